/* AT command interface on the debug UART, and the same settings from downlinks on port 10. */
#include "app.h"
#include "board.h"
#include "config.h"
#include "fmt.h"
#include "mac.h"
#include "sensors.h"
#include "storage.h"
#include "uart.h"
#include <stdio.h>
#include <string.h>

typedef enum { CMD_OK, CMD_ERROR, CMD_BAD_PARAM, CMD_BUSY, CMD_NOT_JOINED } cmd_result_t;

typedef struct {
  const char *name;
  cmd_result_t (*run)(const char *arg);
  const char *help;
} cmd_t;

static char line[CMD_LINE_MAX];
static uint8_t line_len;

static void reply(const char *text) { log_printf("%s\r\n", text); }

static cmd_result_t get_set_hex(const char *arg, uint8_t *field, size_t len, bool secret) {
  char hex[33];
  if (arg == NULL || *arg == '?') {
    if (secret) {
      reply("********");
    } else {
      fmt_hex(hex, field, len);
      reply(hex);
    }
    return CMD_OK;
  }
  if (app_session.joined) return CMD_BUSY;
  uint8_t tmp[16];
  if (strlen(arg) != len * 2 || fmt_parse_hex(arg, tmp, len) != 0) return CMD_BAD_PARAM;
  memcpy(field, tmp, len);
  return CMD_OK;
}

static cmd_result_t at_deveui(const char *arg) { return get_set_hex(arg, app_session.dev_eui, 8, false); }
static cmd_result_t at_joineui(const char *arg) { return get_set_hex(arg, app_session.join_eui, 8, false); }
static cmd_result_t at_appkey(const char *arg) { return get_set_hex(arg, app_session.app_key, 16, true); }

static cmd_result_t at_join(const char *arg) {
  (void)arg;
  if (app_session.joined) return CMD_OK;
  return mac_join() ? CMD_OK : CMD_BUSY;
}

static cmd_result_t at_send(const char *arg) {
  if (!app_session.joined) return CMD_NOT_JOINED;
  if (arg == NULL) {
    app_request_uplink();
    return CMD_OK;
  }
  /* AT+SEND=port:hex */
  uint32_t port = 0;
  const char *colon = strchr(arg, ':');
  if (!colon) return CMD_BAD_PARAM;
  char num[4] = {0};
  size_t n = (size_t)(colon - arg);
  if (n == 0 || n > 3) return CMD_BAD_PARAM;
  memcpy(num, arg, n);
  if (fmt_parse_u32(num, &port) != 0 || port == 0 || port > 223) return CMD_BAD_PARAM;
  uint8_t payload[64];
  size_t hex_len = strlen(colon + 1);
  if (hex_len % 2 || hex_len / 2 > sizeof payload) return CMD_BAD_PARAM;
  if (fmt_parse_hex(colon + 1, payload, hex_len / 2) != 0) return CMD_BAD_PARAM;
  return mac_send((uint8_t)port, payload, (uint8_t)(hex_len / 2), app_config.confirmed) ? CMD_OK : CMD_BUSY;
}

static cmd_result_t at_interval(const char *arg) {
  if (arg == NULL || *arg == '?') {
    log_printf("%lu\r\n", (unsigned long)app_config.tx_interval_s);
    return CMD_OK;
  }
  uint32_t v;
  if (fmt_parse_u32(arg, &v) != 0 || v < MIN_TX_INTERVAL_S || v > MAX_TX_INTERVAL_S) return CMD_BAD_PARAM;
  app_config.tx_interval_s = v;
  app_save_config();
  return CMD_OK;
}

static cmd_result_t at_adr(const char *arg) {
  if (arg == NULL || *arg == '?') {
    reply(app_config.adr ? "1" : "0");
    return CMD_OK;
  }
  if (strcmp(arg, "0") && strcmp(arg, "1")) return CMD_BAD_PARAM;
  app_config.adr = arg[0] == '1';
  app_session.adr_enabled = app_config.adr;
  app_save_config();
  return CMD_OK;
}

static cmd_result_t at_confirm(const char *arg) {
  if (arg == NULL || *arg == '?') {
    reply(app_config.confirmed ? "1" : "0");
    return CMD_OK;
  }
  if (strcmp(arg, "0") && strcmp(arg, "1")) return CMD_BAD_PARAM;
  app_config.confirmed = arg[0] == '1';
  app_save_config();
  return CMD_OK;
}

static cmd_result_t at_ver(const char *arg) {
  (void)arg;
  log_printf("sensor-node %s (%s %s)\r\n", APP_VERSION_STRING, __DATE__, "cortex-m4");
  return CMD_OK;
}

static cmd_result_t at_status(const char *arg) {
  (void)arg;
  const mac_session_t *s = mac_session();
  log_printf("joined=%u devaddr=%08lx fcnt=%lu/%lu dr=%u pwr=%d mask=%04x\r\n", s->joined, (unsigned long)s->dev_addr,
             (unsigned long)s->fcnt_up, (unsigned long)s->fcnt_down, s->datarate, s->tx_power_index, s->channel_mask);
  log_printf("uplinks=%lu downlinks=%lu joinfail=%lu sensorerr=%lu erases=%lu\r\n", (unsigned long)app_counters.uplinks,
             (unsigned long)app_counters.downlinks, (unsigned long)app_counters.join_failures,
             (unsigned long)app_counters.sensor_errors, (unsigned long)storage_erase_count());
  log_printf("margin=%u gateways=%u next_tx=%lu ms\r\n", mac_link_margin(), mac_gateway_count(), (unsigned long)mac_next_tx_delay_ms());
#ifdef FEATURE_GPS
  log_printf("gps=%s\r\n", gps_status());
#endif
  return CMD_OK;
}

static cmd_result_t at_sensors(const char *arg) {
  (void)arg;
  sensor_sample_t sample;
  if (!sensors_read(&sample)) return CMD_ERROR;
  char text[160];
  /* newlib's printf for floats: the report is for humans, so readable beats small. */
  snprintf(text, sizeof text, "t=%.2f C rh=%.1f %% p=%.2f hPa lux=%u bat=%.3f V dew=%.1f C abs=%.2f g/m3",
           (double)sample.temperature_centi_c / 100.0, (double)sample.humidity_milli_pct / 1000.0, (double)sample.pressure_pa / 100.0,
           sample.light_lux, (double)sample.battery_mv / 1000.0,
           (double)sensors_dew_point_centi_c(sample.temperature_centi_c, sample.humidity_milli_pct) / 100.0,
           (double)sensors_absolute_humidity_g_m3(sample.temperature_centi_c, sample.humidity_milli_pct));
  reply(text);
  return CMD_OK;
}

static cmd_result_t at_linkcheck(const char *arg) {
  (void)arg;
  if (!app_session.joined) return CMD_NOT_JOINED;
  mac_request_link_check();
  return CMD_OK;
}

static cmd_result_t at_debug(const char *arg) {
  if (arg == NULL || *arg == '?') {
    reply(app_config.debug ? "1" : "0");
    return CMD_OK;
  }
  app_config.debug = arg[0] == '1';
  return CMD_OK;
}

static cmd_result_t at_alarm(const char *arg) {
  if (arg == NULL || *arg == '?') {
    log_printf("%u\r\n", app_config.temperature_alarm_c);
    return CMD_OK;
  }
  uint32_t v;
  if (fmt_parse_u32(arg, &v) != 0 || v > 85) return CMD_BAD_PARAM;
  app_config.temperature_alarm_c = (uint8_t)v;
  app_save_config();
  return CMD_OK;
}

static cmd_result_t at_factory(const char *arg) {
  (void)arg;
  app_set_defaults();
  app_save_config();
  memset(&app_session, 0, sizeof app_session);
  storage_write(KEY_SESSION, &app_session, sizeof app_session);
  return CMD_OK;
}

static cmd_result_t at_reset(const char *arg) {
  (void)arg;
  reply("OK");
  uart_flush();
  board_reset();
  return CMD_OK;
}

static cmd_result_t at_help(const char *arg);

static const cmd_t commands[] = {
  {"DEVEUI", at_deveui, "device EUI (hex, 8 bytes)"},
  {"JOINEUI", at_joineui, "join EUI (hex, 8 bytes)"},
  {"APPKEY", at_appkey, "application key (hex, 16 bytes)"},
  {"JOIN", at_join, "start OTAA join"},
  {"SEND", at_send, "send now, or port:hex"},
  {"INTERVAL", at_interval, "uplink interval in seconds"},
  {"ADR", at_adr, "adaptive data rate 0/1"},
  {"CONFIRM", at_confirm, "confirmed uplinks 0/1"},
  {"ALARM", at_alarm, "temperature alarm threshold in C"},
  {"LINKCHECK", at_linkcheck, "request a link check"},
  {"SENSORS", at_sensors, "read sensors now"},
  {"STATUS", at_status, "MAC and counters"},
  {"VER", at_ver, "firmware version"},
  {"DEBUG", at_debug, "debug log 0/1"},
  {"FACTORY", at_factory, "restore defaults"},
  {"RESET", at_reset, "reboot"},
  {"HELP", at_help, "this list"},
};

static cmd_result_t at_help(const char *arg) {
  (void)arg;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) log_printf("AT+%-10s %s\r\n", commands[i].name, commands[i].help);
  return CMD_OK;
}

static void to_upper(char *s) {
  for (; *s && *s != '='; s++)
    if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

static void execute(char *text) {
  static const char *const results[] = {"OK", "ERROR", "AT_PARAM_ERROR", "AT_BUSY_ERROR", "AT_NO_NETWORK_JOINED"};
  if (strcmp(text, "AT") == 0) {
    reply("OK");
    return;
  }
  to_upper(text);
  if (strncmp(text, "AT+", 3) != 0) {
    reply(results[CMD_ERROR]);
    return;
  }
  char *name = text + 3;
  char *arg = strchr(name, '=');
  if (arg) *arg++ = '\0';
  size_t nlen = strlen(name);
  if (nlen && name[nlen - 1] == '?') {
    name[nlen - 1] = '\0';
    arg = "?";
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(name, commands[i].name) == 0) {
      reply(results[commands[i].run(arg)]);
      return;
    }
  }
  reply(results[CMD_ERROR]);
}

void cmd_init(void) { line_len = 0; }

void cmd_poll(void) {
  uint8_t c;
  while (uart_read_byte(&c)) {
    if (c == '\r' || c == '\n') {
      if (line_len) {
        line[line_len] = '\0';
        execute(line);
        line_len = 0;
      }
    } else if (c == 0x08 || c == 0x7F) {
      if (line_len) line_len--;
    } else if (line_len < CMD_LINE_MAX - 1 && c >= 0x20 && c < 0x7F) {
      line[line_len++] = (char)c;
    }
  }
}

void cmd_handle_downlink(uint8_t port, const uint8_t *data, uint8_t len) {
  if (port != 10 || len == 0) return;
  switch (data[0]) {
    case 0x01: /* set interval, 24-bit seconds */
      if (len >= 4) {
        uint32_t v = (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
        if (v >= MIN_TX_INTERVAL_S && v <= MAX_TX_INTERVAL_S) {
          app_config.tx_interval_s = v;
          app_save_config();
        }
      }
      break;
    case 0x02:
      if (len >= 2) app_config.confirmed = data[1] != 0;
      break;
    case 0x03:
      if (len >= 2 && data[1] <= 85) app_config.temperature_alarm_c = data[1];
      break;
    case 0x04:
      mac_request_link_check();
      break;
    case 0xFE:
      board_reset();
      break;
    default:
      break;
  }
}
