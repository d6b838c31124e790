#ifndef SENSORS_H
#define SENSORS_H
#include <stdint.h>
#include <stdbool.h>
typedef struct {
  int32_t temperature_centi_c;
  uint32_t pressure_pa;
  uint32_t humidity_milli_pct;
  uint16_t battery_mv;
  uint16_t light_lux;
  bool valid;
} sensor_sample_t;
bool sensors_init(void);
bool sensors_read(sensor_sample_t *out);
void sensors_power(bool on);
int32_t sensors_dew_point_centi_c(int32_t t_centi, uint32_t rh_milli);
float sensors_absolute_humidity_g_m3(int32_t t_centi, uint32_t rh_milli);
#endif
