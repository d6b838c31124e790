#ifndef APP_H
#define APP_H
#include <stdint.h>
#include <stdbool.h>
#include "mac.h"

typedef struct {
  uint32_t tx_interval_s;
  uint8_t port;
  bool confirmed;
  bool adr;
  bool debug;
  uint8_t temperature_alarm_c;
  uint16_t magic;
} app_config_t;

typedef struct {
  uint32_t uplinks, downlinks, join_failures, resets, sensor_errors;
} app_counters_t;

extern app_config_t app_config;
extern app_counters_t app_counters;
extern mac_session_t app_session;
void app_save_config(void);
void app_request_uplink(void);
void app_set_defaults(void);
void cmd_init(void);
void cmd_poll(void);
void cmd_handle_downlink(uint8_t port, const uint8_t *data, uint8_t len);
#ifdef FEATURE_GPS
void gps_init(void);
void gps_poll(void);
bool gps_fix(int32_t *lat_e7, int32_t *lon_e7, int32_t *alt_cm, uint8_t *sats);
const char *gps_status(void);
#endif
#endif
