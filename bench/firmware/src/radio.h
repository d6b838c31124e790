#ifndef RADIO_H
#define RADIO_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef enum { RADIO_IDLE, RADIO_TX, RADIO_RX, RADIO_CAD } radio_state_t;
typedef enum { RADIO_EV_NONE, RADIO_EV_TX_DONE, RADIO_EV_RX_DONE, RADIO_EV_RX_TIMEOUT, RADIO_EV_CRC_ERROR } radio_event_t;

typedef struct {
  uint32_t freq_hz;
  uint8_t sf;
  uint8_t bw_khz_code; /* 7 = 125 kHz, 8 = 250 kHz, 9 = 500 kHz */
  uint8_t cr;
  int8_t power_dbm;
  bool iq_inverted;
  uint16_t preamble;
  uint16_t symb_timeout;
} radio_config_t;

bool radio_init(void);
void radio_configure(const radio_config_t *cfg);
void radio_send(const uint8_t *data, uint8_t len);
void radio_receive(uint32_t timeout_ms);
void radio_sleep(void);
radio_event_t radio_poll(void);
uint8_t radio_read_packet(uint8_t *buf, uint8_t max, int16_t *rssi, int8_t *snr);
uint32_t radio_time_on_air_ms(const radio_config_t *cfg, uint8_t len);
uint32_t radio_random(void);
#endif
