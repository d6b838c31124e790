#ifndef LPP_H
#define LPP_H
#include <stdint.h>
#include <stdbool.h>
typedef struct {
  uint8_t buf[64];
  uint8_t len;
} lpp_t;
void lpp_reset(lpp_t *p);
bool lpp_temperature(lpp_t *p, uint8_t ch, int32_t centi_c);
bool lpp_humidity(lpp_t *p, uint8_t ch, uint32_t milli_pct);
bool lpp_pressure(lpp_t *p, uint8_t ch, uint32_t pa);
bool lpp_analog(lpp_t *p, uint8_t ch, int32_t centi);
bool lpp_illuminance(lpp_t *p, uint8_t ch, uint16_t lux);
bool lpp_gps(lpp_t *p, uint8_t ch, int32_t lat_e7, int32_t lon_e7, int32_t alt_cm);
bool lpp_digital(lpp_t *p, uint8_t ch, uint8_t value);
#endif
