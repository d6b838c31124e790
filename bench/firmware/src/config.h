/* Build-time configuration; the benchmark variants change these with -D. */
#ifndef CONFIG_H
#define CONFIG_H

#ifndef APP_VERSION_MAJOR
#define APP_VERSION_MAJOR 1
#endif
#ifndef APP_VERSION_MINOR
#define APP_VERSION_MINOR 4
#endif
#ifndef APP_VERSION_PATCH
#define APP_VERSION_PATCH 2
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#define APP_VERSION_STRING STR(APP_VERSION_MAJOR) "." STR(APP_VERSION_MINOR) "." STR(APP_VERSION_PATCH)

#ifndef DEFAULT_TX_INTERVAL_S
#define DEFAULT_TX_INTERVAL_S 300
#endif
#define MIN_TX_INTERVAL_S 10
#define MAX_TX_INTERVAL_S 86400
#define BATTERY_SAMPLES 8
#define BATTERY_DIVIDER_NUM 2
#define BATTERY_DIVIDER_DEN 1
#define UART_BAUD 115200u
#define CMD_LINE_MAX 96
#define TX_QUEUE_DEPTH 4
#define SENSOR_WARMUP_MS 15
#define STORAGE_PAGE_ADDR 0x0803F800u
#define STORAGE_PAGE_SIZE 2048u
#define ADR_ACK_LIMIT 64
#define ADR_ACK_DELAY 32
#define JOIN_MAX_BACKOFF_S 3600

#endif
