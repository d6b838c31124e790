/* Semtech SX1276 LoRa modem driver over SPI (register map from the SX1276 datasheet). */
#include "radio.h"
#include "board.h"
#include "bus.h"

#define REG_FIFO 0x00
#define REG_OP_MODE 0x01
#define REG_FRF_MSB 0x06
#define REG_FRF_MID 0x07
#define REG_FRF_LSB 0x08
#define REG_PA_CONFIG 0x09
#define REG_OCP 0x0B
#define REG_LNA 0x0C
#define REG_FIFO_ADDR_PTR 0x0D
#define REG_FIFO_TX_BASE 0x0E
#define REG_FIFO_RX_BASE 0x0F
#define REG_FIFO_RX_CURRENT 0x10
#define REG_IRQ_FLAGS_MASK 0x11
#define REG_IRQ_FLAGS 0x12
#define REG_RX_NB_BYTES 0x13
#define REG_PKT_SNR 0x19
#define REG_PKT_RSSI 0x1A
#define REG_MODEM_CONFIG1 0x1D
#define REG_MODEM_CONFIG2 0x1E
#define REG_SYMB_TIMEOUT_LSB 0x1F
#define REG_PREAMBLE_MSB 0x20
#define REG_PREAMBLE_LSB 0x21
#define REG_PAYLOAD_LENGTH 0x22
#define REG_MODEM_CONFIG3 0x26
#define REG_RSSI_WIDEBAND 0x2C
#define REG_DETECT_OPTIMIZE 0x31
#define REG_INVERT_IQ 0x33
#define REG_DETECTION_THRESHOLD 0x37
#define REG_SYNC_WORD 0x39
#define REG_INVERT_IQ2 0x3B
#define REG_DIO_MAPPING1 0x40
#define REG_VERSION 0x42
#define REG_PA_DAC 0x4D

#define MODE_LORA 0x80
#define MODE_SLEEP 0x00
#define MODE_STDBY 0x01
#define MODE_TX 0x03
#define MODE_RX_CONT 0x05
#define MODE_RX_SINGLE 0x06

#define IRQ_RX_TIMEOUT 0x80
#define IRQ_RX_DONE 0x40
#define IRQ_CRC_ERROR 0x20
#define IRQ_TX_DONE 0x08

static radio_state_t state;
static radio_config_t current;
static uint32_t rx_deadline;

static void nss(bool high) { gpio_write(GPIOA, PIN_RADIO_NSS, high); }

static uint8_t read_reg(uint8_t reg) {
  nss(false);
  spi_transfer(reg & 0x7F);
  uint8_t v = spi_transfer(0);
  nss(true);
  return v;
}

static void write_reg(uint8_t reg, uint8_t value) {
  nss(false);
  spi_transfer(reg | 0x80);
  spi_transfer(value);
  nss(true);
}

static void write_fifo(const uint8_t *data, uint8_t len) {
  nss(false);
  spi_transfer(REG_FIFO | 0x80);
  for (uint8_t i = 0; i < len; i++) spi_transfer(data[i]);
  nss(true);
}

static void read_fifo(uint8_t *data, uint8_t len) {
  nss(false);
  spi_transfer(REG_FIFO);
  for (uint8_t i = 0; i < len; i++) data[i] = spi_transfer(0);
  nss(true);
}

static void set_mode(uint8_t mode) { write_reg(REG_OP_MODE, MODE_LORA | mode); }

bool radio_init(void) {
  spi_init();
  nss(true);
  gpio_write(GPIOB, PIN_RADIO_RESET, false);
  board_delay_ms(1);
  gpio_write(GPIOB, PIN_RADIO_RESET, true);
  board_delay_ms(6);
  if (read_reg(REG_VERSION) != 0x12) return false;
  write_reg(REG_OP_MODE, MODE_SLEEP);
  write_reg(REG_OP_MODE, MODE_LORA | MODE_SLEEP);
  write_reg(REG_FIFO_TX_BASE, 0x00);
  write_reg(REG_FIFO_RX_BASE, 0x00);
  write_reg(REG_LNA, 0x23);
  write_reg(REG_SYNC_WORD, 0x34); /* LoRaWAN public network */
  write_reg(REG_OCP, 0x2B);
  state = RADIO_IDLE;
  return true;
}

static void set_frequency(uint32_t hz) {
  uint64_t frf = ((uint64_t)hz << 19) / 32000000u;
  write_reg(REG_FRF_MSB, (uint8_t)(frf >> 16));
  write_reg(REG_FRF_MID, (uint8_t)(frf >> 8));
  write_reg(REG_FRF_LSB, (uint8_t)frf);
}

static void set_power(int8_t dbm) {
  if (dbm > 17) {
    if (dbm > 20) dbm = 20;
    write_reg(REG_PA_DAC, 0x87);
    write_reg(REG_PA_CONFIG, (uint8_t)(0x80 | (dbm - 5)));
  } else {
    if (dbm < 2) dbm = 2;
    write_reg(REG_PA_DAC, 0x84);
    write_reg(REG_PA_CONFIG, (uint8_t)(0x80 | (dbm - 2)));
  }
}

void radio_configure(const radio_config_t *cfg) {
  current = *cfg;
  set_mode(MODE_STDBY);
  set_frequency(cfg->freq_hz);
  set_power(cfg->power_dbm);
  write_reg(REG_MODEM_CONFIG1, (uint8_t)((cfg->bw_khz_code << 4) | ((cfg->cr - 4) << 1)));
  write_reg(REG_MODEM_CONFIG2, (uint8_t)((cfg->sf << 4) | (1u << 2) | ((cfg->symb_timeout >> 8) & 3u)));
  write_reg(REG_SYMB_TIMEOUT_LSB, (uint8_t)cfg->symb_timeout);
  bool ldro = cfg->bw_khz_code == 7 && cfg->sf >= 11;
  write_reg(REG_MODEM_CONFIG3, (uint8_t)((ldro ? 0x08 : 0x00) | 0x04));
  write_reg(REG_PREAMBLE_MSB, (uint8_t)(cfg->preamble >> 8));
  write_reg(REG_PREAMBLE_LSB, (uint8_t)cfg->preamble);
  write_reg(REG_DETECT_OPTIMIZE, cfg->sf == 6 ? 0xC5 : 0xC3);
  write_reg(REG_DETECTION_THRESHOLD, cfg->sf == 6 ? 0x0C : 0x0A);
  write_reg(REG_INVERT_IQ, cfg->iq_inverted ? 0x66 : 0x27);
  write_reg(REG_INVERT_IQ2, cfg->iq_inverted ? 0x19 : 0x1D);
}

void radio_send(const uint8_t *data, uint8_t len) {
  set_mode(MODE_STDBY);
  write_reg(REG_FIFO_ADDR_PTR, 0);
  write_fifo(data, len);
  write_reg(REG_PAYLOAD_LENGTH, len);
  write_reg(REG_IRQ_FLAGS, 0xFF);
  write_reg(REG_DIO_MAPPING1, 0x40);
  set_mode(MODE_TX);
  state = RADIO_TX;
}

void radio_receive(uint32_t timeout_ms) {
  set_mode(MODE_STDBY);
  write_reg(REG_FIFO_ADDR_PTR, 0);
  write_reg(REG_IRQ_FLAGS, 0xFF);
  write_reg(REG_DIO_MAPPING1, 0x00);
  set_mode(timeout_ms ? MODE_RX_SINGLE : MODE_RX_CONT);
  rx_deadline = timeout_ms ? board_millis() + timeout_ms : 0;
  state = RADIO_RX;
}

void radio_sleep(void) {
  set_mode(MODE_SLEEP);
  state = RADIO_IDLE;
}

radio_event_t radio_poll(void) {
  if (state == RADIO_IDLE) return RADIO_EV_NONE;
  uint8_t flags = read_reg(REG_IRQ_FLAGS);
  if (state == RADIO_TX && (flags & IRQ_TX_DONE)) {
    write_reg(REG_IRQ_FLAGS, IRQ_TX_DONE);
    state = RADIO_IDLE;
    return RADIO_EV_TX_DONE;
  }
  if (state == RADIO_RX) {
    if (flags & IRQ_RX_DONE) {
      write_reg(REG_IRQ_FLAGS, IRQ_RX_DONE | IRQ_CRC_ERROR);
      state = RADIO_IDLE;
      return (flags & IRQ_CRC_ERROR) ? RADIO_EV_CRC_ERROR : RADIO_EV_RX_DONE;
    }
    if ((flags & IRQ_RX_TIMEOUT) || (rx_deadline && (int32_t)(board_millis() - rx_deadline) > 0)) {
      write_reg(REG_IRQ_FLAGS, IRQ_RX_TIMEOUT);
      state = RADIO_IDLE;
      return RADIO_EV_RX_TIMEOUT;
    }
  }
  return RADIO_EV_NONE;
}

uint8_t radio_read_packet(uint8_t *buf, uint8_t max, int16_t *rssi, int8_t *snr) {
  uint8_t len = read_reg(REG_RX_NB_BYTES);
  if (len > max) len = max;
  write_reg(REG_FIFO_ADDR_PTR, read_reg(REG_FIFO_RX_CURRENT));
  read_fifo(buf, len);
  int8_t s = (int8_t)read_reg(REG_PKT_SNR);
  *snr = (int8_t)(s / 4);
  int16_t r = (int16_t)read_reg(REG_PKT_RSSI);
  *rssi = (int16_t)(current.freq_hz > 525000000u ? -157 + r : -164 + r);
  if (s < 0) *rssi = (int16_t)(*rssi + s / 4);
  return len;
}

uint32_t radio_time_on_air_ms(const radio_config_t *cfg, uint8_t len) {
  /* SX1276 datasheet 4.1.1.7, in microseconds with integer ceil. */
  uint32_t bw_hz = cfg->bw_khz_code == 9 ? 500000u : cfg->bw_khz_code == 8 ? 250000u : 125000u;
  uint32_t tsym_us = ((1u << cfg->sf) * 1000000u) / bw_hz;
  uint32_t de = (cfg->sf >= 11 && bw_hz == 125000u) ? 1u : 0u;
  int32_t num = 8 * len - 4 * cfg->sf + 28 + 16;
  int32_t den = 4 * (int32_t)(cfg->sf - 2 * de);
  int32_t n = num > 0 ? (num + den - 1) / den * cfg->cr : 0;
  uint32_t symbols = 8u + (uint32_t)(n > 0 ? n : 0);
  uint32_t preamble_us = (cfg->preamble * 1000u + 4250u) * tsym_us / 1000u;
  return (preamble_us + symbols * tsym_us + 999u) / 1000u;
}

uint32_t radio_random(void) {
  uint32_t rnd = 0;
  set_mode(MODE_RX_CONT);
  for (int i = 0; i < 32; i++) {
    board_delay_ms(1);
    rnd = (rnd << 1) | (read_reg(REG_RSSI_WIDEBAND) & 1u);
  }
  set_mode(MODE_SLEEP);
  return rnd;
}
