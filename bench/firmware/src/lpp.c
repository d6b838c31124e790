/* Cayenne Low Power Payload encoder (big-endian fields, resolution per type). */
#include "lpp.h"

static bool room(lpp_t *p, uint8_t n) { return p->len + n <= sizeof p->buf; }

static void put(lpp_t *p, uint8_t ch, uint8_t type, int32_t value, uint8_t size) {
  p->buf[p->len++] = ch;
  p->buf[p->len++] = type;
  for (int i = size - 1; i >= 0; i--) p->buf[p->len++] = (uint8_t)(value >> (8 * i));
}

void lpp_reset(lpp_t *p) { p->len = 0; }

bool lpp_digital(lpp_t *p, uint8_t ch, uint8_t value) {
  if (!room(p, 3)) return false;
  put(p, ch, 0, value, 1);
  return true;
}

bool lpp_analog(lpp_t *p, uint8_t ch, int32_t centi) {
  if (!room(p, 4)) return false;
  put(p, ch, 2, centi, 2);
  return true;
}

bool lpp_illuminance(lpp_t *p, uint8_t ch, uint16_t lux) {
  if (!room(p, 4)) return false;
  put(p, ch, 101, lux, 2);
  return true;
}

bool lpp_temperature(lpp_t *p, uint8_t ch, int32_t centi_c) {
  if (!room(p, 4)) return false;
  put(p, ch, 103, centi_c / 10, 2);
  return true;
}

bool lpp_humidity(lpp_t *p, uint8_t ch, uint32_t milli_pct) {
  if (!room(p, 3)) return false;
  put(p, ch, 104, (int32_t)(milli_pct / 500u), 1);
  return true;
}

bool lpp_pressure(lpp_t *p, uint8_t ch, uint32_t pa) {
  if (!room(p, 4)) return false;
  put(p, ch, 115, (int32_t)(pa / 10u), 2);
  return true;
}

bool lpp_gps(lpp_t *p, uint8_t ch, int32_t lat_e7, int32_t lon_e7, int32_t alt_cm) {
  if (!room(p, 11)) return false;
  put(p, ch, 136, lat_e7 / 1000, 3);
  p->len -= 0;
  for (int i = 2; i >= 0; i--) p->buf[p->len++] = (uint8_t)((lon_e7 / 1000) >> (8 * i));
  for (int i = 2; i >= 0; i--) p->buf[p->len++] = (uint8_t)(alt_cm >> (8 * i));
  return true;
}
