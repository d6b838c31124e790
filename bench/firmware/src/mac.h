#ifndef MAC_H
#define MAC_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define MAC_MAX_PAYLOAD 222
#define MAC_CHANNELS 16

typedef enum {
  MAC_IDLE,
  MAC_JOINING,
  MAC_TX,
  MAC_WAIT_RX1,
  MAC_RX1,
  MAC_WAIT_RX2,
  MAC_RX2,
  MAC_BACKOFF,
} mac_state_t;

typedef enum {
  MAC_EVENT_NONE,
  MAC_EVENT_JOINED,
  MAC_EVENT_JOIN_FAILED,
  MAC_EVENT_TX_DONE,
  MAC_EVENT_RX_DATA,
  MAC_EVENT_LINK_CHECK,
} mac_event_t;

typedef struct {
  uint32_t freq_hz;
  uint8_t min_dr, max_dr;
  uint8_t band;
  bool enabled;
} mac_channel_t;

typedef struct {
  uint8_t dev_eui[8], join_eui[8], app_key[16];
  uint8_t nwk_skey[16], app_skey[16];
  uint32_t dev_addr;
  uint32_t fcnt_up, fcnt_down;
  uint16_t dev_nonce;
  uint8_t datarate;
  int8_t tx_power_index;
  uint8_t nb_trans;
  uint8_t rx1_dr_offset, rx2_dr;
  uint32_t rx2_freq_hz;
  uint8_t rx1_delay_s;
  uint16_t max_duty_cycle;
  bool joined, adr_enabled;
  uint16_t adr_ack_cnt;
  mac_channel_t channels[MAC_CHANNELS];
  uint16_t channel_mask;
} mac_session_t;

typedef struct {
  uint8_t port;
  uint8_t data[MAC_MAX_PAYLOAD];
  uint8_t len;
  int16_t rssi;
  int8_t snr;
  bool ack;
} mac_rx_t;

void mac_init(mac_session_t *session);
bool mac_join(void);
bool mac_send(uint8_t port, const uint8_t *data, uint8_t len, bool confirmed);
mac_event_t mac_process(void);
const mac_rx_t *mac_last_rx(void);
mac_state_t mac_state(void);
const mac_session_t *mac_session(void);
void mac_request_link_check(void);
uint8_t mac_link_margin(void);
uint8_t mac_gateway_count(void);
uint32_t mac_next_tx_delay_ms(void);
#endif
