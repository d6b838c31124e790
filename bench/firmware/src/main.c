/* Sensor node application: join, then measure and report every tx_interval_s, with alarms,
 * persistence of session and counters, and exponential join back-off. */
#include "app.h"
#include "board.h"
#include "config.h"
#include "fmt.h"
#include "lpp.h"
#include "mac.h"
#include "radio.h"
#include "sensors.h"
#include "storage.h"
#include "uart.h"
#include <string.h>

#define CONFIG_MAGIC 0xC0F1

typedef enum { APP_BOOT, APP_JOIN, APP_JOIN_WAIT, APP_IDLE, APP_MEASURE, APP_SEND, APP_SEND_WAIT } app_state_t;

app_config_t app_config;
app_counters_t app_counters;
mac_session_t app_session;

static app_state_t app_state;
static uint32_t next_action_ms;
static uint32_t join_backoff_s = 15;
static bool uplink_requested;
static sensor_sample_t sample;
static lpp_t payload;
static bool alarm_active;

void app_set_defaults(void) {
  app_config.tx_interval_s = DEFAULT_TX_INTERVAL_S;
  app_config.port = 2;
  app_config.confirmed = false;
  app_config.adr = true;
  app_config.debug = false;
  app_config.temperature_alarm_c = 40;
  app_config.magic = CONFIG_MAGIC;
}

void app_save_config(void) { storage_write(KEY_CONFIG, &app_config, sizeof app_config); }

void app_request_uplink(void) { uplink_requested = true; }

static void load_state(void) {
  if (!storage_read(KEY_CONFIG, &app_config, sizeof app_config) || app_config.magic != CONFIG_MAGIC) {
    app_set_defaults();
    app_save_config();
  }
  if (!storage_read(KEY_COUNTERS, &app_counters, sizeof app_counters)) memset(&app_counters, 0, sizeof app_counters);
  app_counters.resets++;
  if (!storage_read(KEY_SESSION, &app_session, sizeof app_session)) {
    memset(&app_session, 0, sizeof app_session);
    static const uint8_t default_eui[8] = {0x70, 0xB3, 0xD5, 0x7E, 0xD0, 0x05, 0x12, 0x34};
    memcpy(app_session.dev_eui, default_eui, 8);
  }
  app_session.adr_enabled = app_config.adr;
}

static void build_payload(void) {
  lpp_reset(&payload);
  lpp_temperature(&payload, 1, sample.temperature_centi_c);
  lpp_humidity(&payload, 2, sample.humidity_milli_pct);
  if (sample.pressure_pa) lpp_pressure(&payload, 3, sample.pressure_pa);
  lpp_analog(&payload, 4, sample.battery_mv / 10);
  if (sample.light_lux) lpp_illuminance(&payload, 5, sample.light_lux);
  lpp_digital(&payload, 6, alarm_active ? 1 : 0);
#ifdef FEATURE_GPS
  int32_t lat, lon, alt;
  uint8_t sats;
  if (gps_fix(&lat, &lon, &alt, &sats)) lpp_gps(&payload, 7, lat, lon, alt);
#endif
}

static void check_alarm(void) {
  int32_t threshold = (int32_t)app_config.temperature_alarm_c * 100;
  bool was = alarm_active;
  /* 1 C hysteresis so the alarm does not chatter around the threshold. */
  if (sample.temperature_centi_c >= threshold) alarm_active = true;
  else if (sample.temperature_centi_c < threshold - 100) alarm_active = false;
#ifdef ONE_LINE_CHANGE
  if (sample.humidity_milli_pct > 95000u) alarm_active = true;
#endif
  if (alarm_active != was) {
    log_printf("alarm %s at %ld cC\r\n", alarm_active ? "raised" : "cleared", (long)sample.temperature_centi_c);
    uplink_requested = true;
  }
}

static uint32_t jitter_ms(uint32_t base_ms) {
  /* +/- 10 % so that nodes powered together do not transmit together. */
  uint32_t span = base_ms / 5u;
  return base_ms - base_ms / 10u + (span ? board_random() % span : 0u);
}

static void handle_mac_event(mac_event_t ev) {
  switch (ev) {
    case MAC_EVENT_JOINED:
      log_printf("joined\r\n");
      join_backoff_s = 15;
      storage_write(KEY_SESSION, &app_session, sizeof app_session);
      app_state = APP_IDLE;
      next_action_ms = board_millis() + 1000u;
      break;
    case MAC_EVENT_JOIN_FAILED:
      app_counters.join_failures++;
      join_backoff_s = join_backoff_s * 2u > JOIN_MAX_BACKOFF_S ? JOIN_MAX_BACKOFF_S : join_backoff_s * 2u;
      log_printf("join failed, retry in %lu s\r\n", (unsigned long)join_backoff_s);
      app_state = APP_JOIN;
      next_action_ms = board_millis() + jitter_ms(join_backoff_s * 1000u);
      break;
    case MAC_EVENT_RX_DATA: {
      const mac_rx_t *rx = mac_last_rx();
      app_counters.downlinks++;
      if (app_config.debug) log_printf("rx port %u len %u rssi %d snr %d\r\n", rx->port, rx->len, rx->rssi, rx->snr);
      cmd_handle_downlink(rx->port, rx->data, rx->len);
    }
      /* fall through */
    case MAC_EVENT_TX_DONE:
    case MAC_EVENT_LINK_CHECK:
      app_counters.uplinks++;
      if ((app_counters.uplinks & 15u) == 0) {
        storage_write(KEY_COUNTERS, &app_counters, sizeof app_counters);
        storage_write(KEY_SESSION, &app_session, sizeof app_session);
      }
      app_state = APP_IDLE;
      break;
    case MAC_EVENT_NONE:
      break;
  }
}

static void step(void) {
  uint32_t now = board_millis();
  switch (app_state) {
    case APP_BOOT:
      app_state = app_session.joined ? APP_IDLE : APP_JOIN;
      next_action_ms = now;
      break;
    case APP_JOIN:
      if ((int32_t)(now - next_action_ms) >= 0 && mac_state() == MAC_IDLE) {
        if (mac_join()) app_state = APP_JOIN_WAIT;
        else next_action_ms = now + mac_next_tx_delay_ms() + 100u;
      }
      break;
    case APP_JOIN_WAIT:
    case APP_SEND_WAIT:
      break;
    case APP_IDLE:
      if (uplink_requested || (int32_t)(now - next_action_ms) >= 0) {
        uplink_requested = false;
        next_action_ms = now + jitter_ms(app_config.tx_interval_s * 1000u);
        app_state = APP_MEASURE;
      }
      break;
    case APP_MEASURE:
      if (!sensors_read(&sample)) app_counters.sensor_errors++;
      check_alarm();
      build_payload();
      app_state = APP_SEND;
      break;
    case APP_SEND:
      if (mac_state() != MAC_IDLE) break;
      if (mac_send(app_config.port, payload.buf, payload.len, app_config.confirmed || alarm_active)) {
        app_state = APP_SEND_WAIT;
        if (app_config.debug) log_printf("tx %u bytes fcnt %lu\r\n", payload.len, (unsigned long)app_session.fcnt_up);
      } else {
        uint32_t wait = mac_next_tx_delay_ms();
        if (wait > 60000u) app_state = APP_IDLE;
      }
      break;
  }
}

int main(void) {
  board_init();
  uart_init(UART_BAUD);
  storage_init();
  load_state();
  log_printf("\r\nsensor-node %s, interval %lu s, resets %lu\r\n", APP_VERSION_STRING, (unsigned long)app_config.tx_interval_s,
             (unsigned long)app_counters.resets);
  if (!radio_init()) log_printf("radio: not found\r\n");
  if (!sensors_init()) log_printf("sensors: none found\r\n");
#ifdef FEATURE_GPS
  gps_init();
#endif
  mac_init(&app_session);
  cmd_init();
  app_state = APP_BOOT;
  for (;;) {
    cmd_poll();
#ifdef FEATURE_GPS
    gps_poll();
#endif
    handle_mac_event(mac_process());
    step();
    if (mac_state() == MAC_IDLE && app_state == APP_IDLE) {
      board_led(false);
      cpu_wfi();
    } else {
      board_led(true);
    }
  }
}
