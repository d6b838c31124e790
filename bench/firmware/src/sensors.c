/* BME280 (temperature, pressure, humidity) with the Bosch integer compensation formulas, an
 * SHT31 fallback for humidity with CRC-8 checks, and a VEML7700-like light sensor. */
#include "sensors.h"
#include "board.h"
#include "bus.h"
#include "config.h"
#include "crc.h"
#include <math.h>

#define BME280_ADDR 0x76
#define SHT31_ADDR 0x44
#define VEML_ADDR 0x10

typedef struct {
  uint16_t t1;
  int16_t t2, t3;
  uint16_t p1;
  int16_t p2, p3, p4, p5, p6, p7, p8, p9;
  uint8_t h1, h3;
  int16_t h2, h4, h5;
  int8_t h6;
} bme_calib_t;

static bme_calib_t calib;
static bool have_bme, have_sht, have_light;
static int32_t t_fine;

static bool bme_write(uint8_t reg, uint8_t value) {
  uint8_t buf[2] = {reg, value};
  return i2c_write(BME280_ADDR, buf, 2);
}

static bool bme_load_calibration(void) {
  uint8_t a[26], b[7];
  if (!i2c_write_read(BME280_ADDR, 0x88, a, sizeof a)) return false;
  if (!i2c_write_read(BME280_ADDR, 0xE1, b, sizeof b)) return false;
  calib.t1 = (uint16_t)(a[0] | a[1] << 8);
  calib.t2 = (int16_t)(a[2] | a[3] << 8);
  calib.t3 = (int16_t)(a[4] | a[5] << 8);
  calib.p1 = (uint16_t)(a[6] | a[7] << 8);
  calib.p2 = (int16_t)(a[8] | a[9] << 8);
  calib.p3 = (int16_t)(a[10] | a[11] << 8);
  calib.p4 = (int16_t)(a[12] | a[13] << 8);
  calib.p5 = (int16_t)(a[14] | a[15] << 8);
  calib.p6 = (int16_t)(a[16] | a[17] << 8);
  calib.p7 = (int16_t)(a[18] | a[19] << 8);
  calib.p8 = (int16_t)(a[20] | a[21] << 8);
  calib.p9 = (int16_t)(a[22] | a[23] << 8);
  calib.h1 = a[25];
  calib.h2 = (int16_t)(b[0] | b[1] << 8);
  calib.h3 = b[2];
  calib.h4 = (int16_t)((int8_t)b[3] * 16 | (b[4] & 0x0F));
  calib.h5 = (int16_t)((int8_t)b[5] * 16 | (b[4] >> 4));
  calib.h6 = (int8_t)b[6];
  return true;
}

static int32_t bme_temperature(int32_t adc_t) {
  int32_t var1 = ((((adc_t >> 3) - ((int32_t)calib.t1 << 1))) * ((int32_t)calib.t2)) >> 11;
  int32_t var2 = (((((adc_t >> 4) - ((int32_t)calib.t1)) * ((adc_t >> 4) - ((int32_t)calib.t1))) >> 12) * ((int32_t)calib.t3)) >> 14;
  t_fine = var1 + var2;
  return (t_fine * 5 + 128) >> 8;
}

static uint32_t bme_pressure(int32_t adc_p) {
  int64_t var1 = ((int64_t)t_fine) - 128000;
  int64_t var2 = var1 * var1 * (int64_t)calib.p6;
  var2 = var2 + ((var1 * (int64_t)calib.p5) << 17);
  var2 = var2 + (((int64_t)calib.p4) << 35);
  var1 = ((var1 * var1 * (int64_t)calib.p3) >> 8) + ((var1 * (int64_t)calib.p2) << 12);
  var1 = (((((int64_t)1) << 47) + var1)) * ((int64_t)calib.p1) >> 33;
  if (var1 == 0) return 0;
  int64_t p = 1048576 - adc_p;
  p = (((p << 31) - var2) * 3125) / var1;
  var1 = (((int64_t)calib.p9) * (p >> 13) * (p >> 13)) >> 25;
  var2 = (((int64_t)calib.p8) * p) >> 19;
  p = ((p + var1 + var2) >> 8) + (((int64_t)calib.p7) << 4);
  return (uint32_t)(p >> 8);
}

static uint32_t bme_humidity(int32_t adc_h) {
  int32_t v = t_fine - 76800;
  v = (((((adc_h << 14) - (((int32_t)calib.h4) << 20) - (((int32_t)calib.h5) * v)) + 16384) >> 15) *
       (((((((v * ((int32_t)calib.h6)) >> 10) * (((v * ((int32_t)calib.h3)) >> 11) + 32768)) >> 10) + 2097152) *
             ((int32_t)calib.h2) + 8192) >> 14));
  v = v - (((((v >> 15) * (v >> 15)) >> 7) * ((int32_t)calib.h1)) >> 4);
  v = v < 0 ? 0 : v;
  v = v > 419430400 ? 419430400 : v;
  return (uint32_t)(v >> 12) * 1000u / 1024u;
}

static bool sht_read(int32_t *t_centi, uint32_t *rh_milli) {
  uint8_t cmd[2] = {0x24, 0x00};
  uint8_t data[6];
  if (!i2c_write(SHT31_ADDR, cmd, 2)) return false;
  board_delay_ms(SENSOR_WARMUP_MS);
  if (!i2c_read(SHT31_ADDR, data, 6)) return false;
  if (crc8_sensirion(data, 2) != data[2] || crc8_sensirion(&data[3], 2) != data[5]) return false;
  uint32_t raw_t = (uint32_t)(data[0] << 8 | data[1]);
  uint32_t raw_h = (uint32_t)(data[3] << 8 | data[4]);
  *t_centi = (int32_t)((17500u * raw_t) / 65535u) - 4500;
  *rh_milli = (100000u * raw_h) / 65535u;
  return true;
}

static bool light_read(uint16_t *lux) {
  uint8_t data[2];
  if (!i2c_write_read(VEML_ADDR, 0x04, data, 2)) return false;
  uint32_t raw = (uint32_t)(data[0] | data[1] << 8);
  /* Gain 1/8, 100 ms: 0.4608 lx per count, then the datasheet's non-linearity correction. */
  uint32_t lx = raw * 4608u / 10000u;
  if (lx > 1000u) lx = lx + (lx * lx / 1000000u) * 6u / 100u;
  *lux = lx > 65535u ? 65535u : (uint16_t)lx;
  return true;
}

void sensors_power(bool on) { gpio_write(GPIOA, PIN_SENSOR_PWR, on); }

bool sensors_init(void) {
  i2c_init(0x00303D5Bu);
  sensors_power(true);
  board_delay_ms(SENSOR_WARMUP_MS);
  uint8_t id = 0;
  have_bme = i2c_write_read(BME280_ADDR, 0xD0, &id, 1) && id == 0x60 && bme_load_calibration();
  if (have_bme) {
    bme_write(0xF2, 0x01); /* humidity x1 */
    bme_write(0xF5, 0xA0); /* standby 1000 ms, filter off */
  }
  uint8_t status[3];
  uint8_t cmd[2] = {0xF3, 0x2D};
  have_sht = i2c_write(SHT31_ADDR, cmd, 2) && i2c_read(SHT31_ADDR, status, 3);
  uint8_t conf[3] = {0x00, 0x00, 0x18};
  have_light = i2c_write(VEML_ADDR, conf, 3);
  sensors_power(false);
  return have_bme || have_sht;
}

bool sensors_read(sensor_sample_t *out) {
  out->valid = false;
  sensors_power(true);
  board_delay_ms(SENSOR_WARMUP_MS);
  if (have_bme) {
    uint8_t raw[8];
    bme_write(0xF4, 0x25); /* forced mode, T x1, P x1 */
    board_delay_ms(10);
    if (i2c_write_read(BME280_ADDR, 0xF7, raw, sizeof raw)) {
      int32_t adc_p = (int32_t)((uint32_t)raw[0] << 12 | (uint32_t)raw[1] << 4 | raw[2] >> 4);
      int32_t adc_t = (int32_t)((uint32_t)raw[3] << 12 | (uint32_t)raw[4] << 4 | raw[5] >> 4);
      int32_t adc_h = (int32_t)((uint32_t)raw[6] << 8 | raw[7]);
      out->temperature_centi_c = bme_temperature(adc_t);
      out->pressure_pa = bme_pressure(adc_p);
      out->humidity_milli_pct = bme_humidity(adc_h);
      out->valid = true;
    }
  }
  if (!out->valid && have_sht) {
    out->pressure_pa = 0;
    out->valid = sht_read(&out->temperature_centi_c, &out->humidity_milli_pct);
  }
  if (!have_light || !light_read(&out->light_lux)) out->light_lux = 0;
  out->battery_mv = board_battery_mv();
  sensors_power(false);
  return out->valid;
}

int32_t sensors_dew_point_centi_c(int32_t t_centi, uint32_t rh_milli) {
  /* Magnus-Tetens with the Sonntag 1990 constants (b = 17.62, c = 243.12 C). */
  if (rh_milli == 0) return -27315;
  float t = (float)t_centi / 100.0f;
  float gamma = logf((float)rh_milli / 100000.0f) + 17.62f * t / (243.12f + t);
  return (int32_t)lroundf(100.0f * 243.12f * gamma / (17.62f - gamma));
}

float sensors_absolute_humidity_g_m3(int32_t t_centi, uint32_t rh_milli) {
  float t = (float)t_centi / 100.0f;
  float saturation_hpa = 6.112f * expf(17.67f * t / (t + 243.5f));
  return saturation_hpa * ((float)rh_milli / 1000.0f) * 2.1674f / (273.15f + t);
}
