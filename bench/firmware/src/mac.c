/* A LoRaWAN 1.0.3 class A MAC for EU868: OTAA join, uplinks with MIC and payload encryption,
 * RX1/RX2 windows, MAC commands, ADR back-off and per-band duty cycle. */
#include "mac.h"
#include "aes.h"
#include "board.h"
#include "config.h"
#include "fmt.h"
#include "radio.h"
#include <string.h>

#define MTYPE_JOIN_REQUEST 0x00
#define MTYPE_JOIN_ACCEPT 0x20
#define MTYPE_UNCONFIRMED_UP 0x40
#define MTYPE_UNCONFIRMED_DOWN 0x60
#define MTYPE_CONFIRMED_UP 0x80
#define MTYPE_CONFIRMED_DOWN 0xA0

#define CID_LINK_CHECK 0x02
#define CID_LINK_ADR 0x03
#define CID_DUTY_CYCLE 0x04
#define CID_RX_PARAM_SETUP 0x05
#define CID_DEV_STATUS 0x06
#define CID_NEW_CHANNEL 0x07
#define CID_RX_TIMING_SETUP 0x08
#define CID_TX_PARAM_SETUP 0x09
#define CID_DL_CHANNEL 0x0A
#define CID_DEVICE_TIME 0x0D

#define RECEIVE_DELAY1_S 1
#define JOIN_ACCEPT_DELAY1_S 5
#define RX_WINDOW_MS 300
#define BAND_COUNT 4

typedef struct {
  uint16_t duty_cycle_divisor;
  uint32_t off_until_ms;
} band_t;

static const uint8_t dr_to_sf[8] = {12, 11, 10, 9, 8, 7, 7, 0};
static const uint8_t dr_to_bw[8] = {7, 7, 7, 7, 7, 7, 8, 7};
static const uint8_t max_payload_by_dr[8] = {51, 51, 51, 115, 222, 222, 222, 222};
static const int8_t tx_power_dbm[8] = {16, 14, 12, 10, 8, 6, 4, 2};
static const int8_t snr_demod_floor[8] = {-20, -17, -15, -12, -10, -7, -7, 0};
static const uint32_t default_channels_hz[3] = {868100000u, 868300000u, 868500000u};

static mac_session_t *s;
static mac_state_t state;
static band_t bands[BAND_COUNT] = {{100, 0}, {1000, 0}, {10, 0}, {100, 0}};
static uint8_t frame[256];
static uint8_t frame_len;
static uint8_t pending_mac[32];
static uint8_t pending_mac_len;
static mac_rx_t last_rx;
static uint32_t tx_done_ms;
static uint8_t tx_channel;
static bool tx_confirmed;
static uint8_t tx_attempts;
static bool link_check_requested;
static uint8_t link_margin, gateway_count;
static bool ack_pending;
static uint32_t join_attempts;

static void put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint8_t band_for_freq(uint32_t hz) {
  if (hz >= 869400000u && hz <= 869650000u) return 2;
  if (hz >= 868000000u && hz <= 868600000u) return 0;
  if (hz >= 868700000u && hz <= 869200000u) return 1;
  return 3;
}

void mac_init(mac_session_t *session) {
  s = session;
  state = MAC_IDLE;
  if (!s->joined) {
    memset(s->channels, 0, sizeof s->channels);
    for (unsigned i = 0; i < 3; i++) {
      s->channels[i].freq_hz = default_channels_hz[i];
      s->channels[i].min_dr = 0;
      s->channels[i].max_dr = 5;
      s->channels[i].band = band_for_freq(default_channels_hz[i]);
      s->channels[i].enabled = true;
    }
    s->channel_mask = 0x0007;
    s->datarate = 5;
    s->tx_power_index = 0;
    s->nb_trans = 1;
    s->rx1_dr_offset = 0;
    s->rx2_dr = 0;
    s->rx2_freq_hz = 869525000u;
    s->rx1_delay_s = RECEIVE_DELAY1_S;
    s->max_duty_cycle = 0;
  }
}

static void compute_mic(const uint8_t key[16], const uint8_t *msg, uint8_t len, uint8_t dir, uint32_t fcnt, uint8_t mic[4]) {
  uint8_t b0[16] = {0x49, 0, 0, 0, 0, dir};
  put_u32le(&b0[6], s->dev_addr);
  put_u32le(&b0[10], fcnt);
  b0[15] = len;
  cmac_ctx_t cmac;
  uint8_t full[16];
  cmac_init(&cmac, key);
  cmac_update(&cmac, b0, 16);
  cmac_update(&cmac, msg, len);
  cmac_final(&cmac, full);
  memcpy(mic, full, 4);
}

static void crypt_payload(const uint8_t key[16], uint8_t *data, uint8_t len, uint8_t dir, uint32_t fcnt) {
  aes_ctx_t aes;
  uint8_t a[16] = {0x01, 0, 0, 0, 0, dir};
  put_u32le(&a[6], s->dev_addr);
  put_u32le(&a[10], fcnt);
  aes_init(&aes, key);
  aes_ctr_crypt(&aes, data, len, a);
}

static bool pick_channel(uint8_t *out) {
  uint8_t candidates[MAC_CHANNELS];
  uint8_t n = 0;
  uint32_t now = board_millis();
  for (uint8_t i = 0; i < MAC_CHANNELS; i++) {
    const mac_channel_t *ch = &s->channels[i];
    if (!ch->enabled || !(s->channel_mask & (1u << i))) continue;
    if (s->datarate < ch->min_dr || s->datarate > ch->max_dr) continue;
    if ((int32_t)(bands[ch->band].off_until_ms - now) > 0) continue;
    candidates[n++] = i;
  }
  if (n == 0) return false;
  *out = candidates[board_random() % n];
  return true;
}

uint32_t mac_next_tx_delay_ms(void) {
  uint32_t now = board_millis();
  uint32_t best = 0xFFFFFFFFu;
  for (uint8_t i = 0; i < MAC_CHANNELS; i++) {
    const mac_channel_t *ch = &s->channels[i];
    if (!ch->enabled || !(s->channel_mask & (1u << i))) continue;
    int32_t wait = (int32_t)(bands[ch->band].off_until_ms - now);
    uint32_t w = wait > 0 ? (uint32_t)wait : 0u;
    if (w < best) best = w;
  }
  return best == 0xFFFFFFFFu ? 0 : best;
}

static void radio_tx(uint8_t channel) {
  radio_config_t cfg = {
    .freq_hz = s->channels[channel].freq_hz,
    .sf = dr_to_sf[s->datarate],
    .bw_khz_code = dr_to_bw[s->datarate],
    .cr = 5,
    .power_dbm = tx_power_dbm[s->tx_power_index & 7],
    .iq_inverted = false,
    .preamble = 8,
    .symb_timeout = 8,
  };
  radio_configure(&cfg);
  radio_send(frame, frame_len);
  uint32_t toa = radio_time_on_air_ms(&cfg, frame_len);
  band_t *b = &bands[s->channels[channel].band];
  uint32_t divisor = b->duty_cycle_divisor;
  if (s->max_duty_cycle > divisor) divisor = s->max_duty_cycle;
  b->off_until_ms = board_millis() + toa * divisor;
  tx_channel = channel;
}

bool mac_join(void) {
  if (state != MAC_IDLE) return false;
  s->joined = false;
  s->dev_nonce++;
  frame[0] = MTYPE_JOIN_REQUEST;
  for (int i = 0; i < 8; i++) frame[1 + i] = s->join_eui[7 - i];
  for (int i = 0; i < 8; i++) frame[9 + i] = s->dev_eui[7 - i];
  frame[17] = (uint8_t)s->dev_nonce;
  frame[18] = (uint8_t)(s->dev_nonce >> 8);
  cmac_ctx_t cmac;
  uint8_t mic[16];
  cmac_init(&cmac, s->app_key);
  cmac_update(&cmac, frame, 19);
  cmac_final(&cmac, mic);
  memcpy(&frame[19], mic, 4);
  frame_len = 23;
  /* Join uses the slowest data rate after repeated failures (LoRaWAN 1.0.3 section 7). */
  s->datarate = join_attempts < 4 ? 5 : join_attempts < 8 ? 3 : 0;
  uint8_t ch;
  if (!pick_channel(&ch)) return false;
  radio_tx(ch);
  join_attempts++;
  state = MAC_JOINING;
  log_printf("join: nonce %u dr %u ch %u\r\n", s->dev_nonce, s->datarate, ch);
  return true;
}

static void derive_session_keys(const uint8_t *accept) {
  aes_ctx_t aes;
  uint8_t block[16];
  aes_init(&aes, s->app_key);
  for (int k = 1; k <= 2; k++) {
    memset(block, 0, sizeof block);
    block[0] = (uint8_t)k;
    memcpy(&block[1], accept, 6); /* AppNonce | NetID */
    block[7] = (uint8_t)s->dev_nonce;
    block[8] = (uint8_t)(s->dev_nonce >> 8);
    aes_encrypt_block(&aes, block, k == 1 ? s->nwk_skey : s->app_skey);
  }
}

static bool handle_join_accept(uint8_t *msg, uint8_t len) {
  if (len != 17 && len != 33) return false;
  aes_ctx_t aes;
  aes_init(&aes, s->app_key);
  /* The network encrypts the accept with AES decrypt, so the device encrypts to decrypt. */
  for (uint8_t off = 1; off < len; off += 16) aes_encrypt_block(&aes, &msg[off], &msg[off]);
  cmac_ctx_t cmac;
  uint8_t mic[16];
  cmac_init(&cmac, s->app_key);
  cmac_update(&cmac, msg, (size_t)(len - 4));
  cmac_final(&cmac, mic);
  if (memcmp(mic, &msg[len - 4], 4) != 0) return false;
  derive_session_keys(&msg[1]);
  s->dev_addr = get_u32le(&msg[7]);
  s->rx1_dr_offset = (msg[11] >> 4) & 7u;
  s->rx2_dr = msg[11] & 0x0Fu;
  s->rx1_delay_s = msg[12] ? msg[12] : 1;
  if (len == 33) {
    for (uint8_t i = 0; i < 5; i++) {
      const uint8_t *f = &msg[13 + 3 * i];
      uint32_t hz = ((uint32_t)f[0] | ((uint32_t)f[1] << 8) | ((uint32_t)f[2] << 16)) * 100u;
      mac_channel_t *ch = &s->channels[3 + i];
      ch->freq_hz = hz;
      ch->min_dr = 0;
      ch->max_dr = 5;
      ch->band = band_for_freq(hz);
      ch->enabled = hz != 0;
      if (hz) s->channel_mask |= (uint16_t)(1u << (3 + i));
    }
  }
  s->fcnt_up = 0;
  s->fcnt_down = 0;
  s->joined = true;
  s->datarate = 5;
  join_attempts = 0;
  return true;
}

bool mac_send(uint8_t port, const uint8_t *data, uint8_t len, bool confirmed) {
  if (state != MAC_IDLE || !s->joined) return false;
  if (len > max_payload_by_dr[s->datarate] - pending_mac_len) return false;
  uint8_t *p = frame;
  *p++ = confirmed ? MTYPE_CONFIRMED_UP : MTYPE_UNCONFIRMED_UP;
  put_u32le(p, s->dev_addr);
  p += 4;
  uint8_t fctrl = pending_mac_len & 0x0Fu;
  if (s->adr_enabled) fctrl |= 0x80;
  if (s->adr_enabled && s->adr_ack_cnt >= ADR_ACK_LIMIT) fctrl |= 0x40;
  if (ack_pending) fctrl |= 0x20;
  *p++ = fctrl;
  *p++ = (uint8_t)s->fcnt_up;
  *p++ = (uint8_t)(s->fcnt_up >> 8);
  memcpy(p, pending_mac, pending_mac_len);
  p += pending_mac_len;
  if (len) {
    *p++ = port;
    memcpy(p, data, len);
    crypt_payload(port == 0 ? s->nwk_skey : s->app_skey, p, len, 0, s->fcnt_up);
    p += len;
  }
  frame_len = (uint8_t)(p - frame);
  compute_mic(s->nwk_skey, frame, frame_len, 0, s->fcnt_up, p);
  frame_len += 4;
  pending_mac_len = 0;
  ack_pending = false;
  tx_confirmed = confirmed;
  tx_attempts = 0;
  uint8_t ch;
  if (!pick_channel(&ch)) return false;
  radio_tx(ch);
  tx_attempts++;
  state = MAC_TX;
  return true;
}

static void queue_mac(const uint8_t *cmd, uint8_t len) {
  if (pending_mac_len + len > 15) return;
  memcpy(&pending_mac[pending_mac_len], cmd, len);
  pending_mac_len = (uint8_t)(pending_mac_len + len);
}

static void apply_link_adr(const uint8_t *cmd) {
  uint8_t dr = cmd[0] >> 4, power = cmd[0] & 0x0Fu;
  uint16_t mask = (uint16_t)(cmd[1] | (cmd[2] << 8));
  uint8_t redundancy = cmd[3];
  uint8_t mask_ctrl = (redundancy >> 4) & 7u;
  uint8_t status = 0x07;
  if (mask_ctrl == 6) mask = 0x00FF;
  if (mask == 0) status &= (uint8_t)~0x01;
  if (dr > 5 && dr != 15) status &= (uint8_t)~0x02;
  if (power > 7 && power != 15) status &= (uint8_t)~0x04;
  if (status == 0x07) {
    s->channel_mask = mask;
    if (dr != 15) s->datarate = dr;
    if (power != 15) s->tx_power_index = (int8_t)power;
    s->nb_trans = (redundancy & 0x0Fu) ? (redundancy & 0x0Fu) : 1;
  }
  uint8_t ans[2] = {CID_LINK_ADR, status};
  queue_mac(ans, 2);
}

static uint8_t handle_mac_commands(const uint8_t *cmd, uint8_t len) {
  uint8_t i = 0;
  while (i < len) {
    uint8_t cid = cmd[i++];
    switch (cid) {
      case CID_LINK_CHECK:
        if (i + 2 > len) return i;
        link_margin = cmd[i];
        gateway_count = cmd[i + 1];
        i += 2;
        link_check_requested = false;
        break;
      case CID_LINK_ADR:
        if (i + 4 > len) return i;
        apply_link_adr(&cmd[i]);
        i += 4;
        break;
      case CID_DUTY_CYCLE: {
        if (i + 1 > len) return i;
        uint8_t max = cmd[i++] & 0x0Fu;
        s->max_duty_cycle = (uint16_t)(1u << max);
        uint8_t ans = CID_DUTY_CYCLE;
        queue_mac(&ans, 1);
        break;
      }
      case CID_RX_PARAM_SETUP: {
        if (i + 4 > len) return i;
        uint8_t settings = cmd[i];
        uint32_t hz = ((uint32_t)cmd[i + 1] | ((uint32_t)cmd[i + 2] << 8) | ((uint32_t)cmd[i + 3] << 16)) * 100u;
        uint8_t status = 0x07;
        if (hz < 863000000u || hz > 870000000u) status &= (uint8_t)~0x01;
        if ((settings & 0x0Fu) > 7) status &= (uint8_t)~0x02;
        if (status == 0x07) {
          s->rx1_dr_offset = (settings >> 4) & 7u;
          s->rx2_dr = settings & 0x0Fu;
          s->rx2_freq_hz = hz;
        }
        uint8_t ans[2] = {CID_RX_PARAM_SETUP, status};
        queue_mac(ans, 2);
        i += 4;
        break;
      }
      case CID_DEV_STATUS: {
        uint16_t mv = board_battery_mv();
        uint8_t battery = mv >= 3600 ? 254 : mv <= 2400 ? 1 : (uint8_t)(1 + (mv - 2400u) * 253u / 1200u);
        int8_t margin = last_rx.snr;
        if (margin < -32) margin = -32;
        if (margin > 31) margin = 31;
        uint8_t ans[3] = {CID_DEV_STATUS, battery, (uint8_t)(margin & 0x3F)};
        queue_mac(ans, 3);
        break;
      }
      case CID_NEW_CHANNEL: {
        if (i + 5 > len) return i;
        uint8_t index = cmd[i];
        uint32_t hz = ((uint32_t)cmd[i + 1] | ((uint32_t)cmd[i + 2] << 8) | ((uint32_t)cmd[i + 3] << 16)) * 100u;
        uint8_t drr = cmd[i + 4];
        uint8_t status = 0x03;
        if (index < 3 || index >= MAC_CHANNELS) status = 0;
        if (hz && (hz < 863000000u || hz > 870000000u)) status &= (uint8_t)~0x01;
        if ((drr & 0x0Fu) > (drr >> 4)) status &= (uint8_t)~0x02;
        if (status == 0x03) {
          mac_channel_t *ch = &s->channels[index];
          ch->freq_hz = hz;
          ch->min_dr = drr & 0x0Fu;
          ch->max_dr = drr >> 4;
          ch->band = band_for_freq(hz);
          ch->enabled = hz != 0;
          if (hz) s->channel_mask |= (uint16_t)(1u << index);
          else s->channel_mask &= (uint16_t)~(1u << index);
        }
        uint8_t ans[2] = {CID_NEW_CHANNEL, status};
        queue_mac(ans, 2);
        i += 5;
        break;
      }
      case CID_RX_TIMING_SETUP: {
        if (i + 1 > len) return i;
        uint8_t delay = cmd[i++] & 0x0Fu;
        s->rx1_delay_s = delay ? delay : 1;
        uint8_t ans = CID_RX_TIMING_SETUP;
        queue_mac(&ans, 1);
        break;
      }
      case CID_DEVICE_TIME:
        if (i + 5 > len) return i;
        i += 5;
        break;
      default:
        log_printf("mac: unknown cid 0x%02x\r\n", cid);
        return i;
    }
  }
  return i;
}

static bool handle_data_down(uint8_t *msg, uint8_t len) {
  if (len < 12) return false;
  uint32_t addr = get_u32le(&msg[1]);
  if (addr != s->dev_addr) return false;
  uint8_t fctrl = msg[5];
  uint8_t fopts_len = fctrl & 0x0Fu;
  uint16_t fcnt16 = (uint16_t)(msg[6] | (msg[7] << 8));
  uint32_t fcnt = (s->fcnt_down & 0xFFFF0000u) | fcnt16;
  if (fcnt < s->fcnt_down) fcnt += 0x10000u;
  uint8_t mic[4];
  compute_mic(s->nwk_skey, msg, (uint8_t)(len - 4), 1, fcnt, mic);
  if (memcmp(mic, &msg[len - 4], 4) != 0) return false;
  s->fcnt_down = fcnt + 1;
  s->adr_ack_cnt = 0;
  ack_pending = (msg[0] & 0xE0) == MTYPE_CONFIRMED_DOWN;
  last_rx.ack = (fctrl & 0x20) != 0;
  handle_mac_commands(&msg[8], fopts_len);
  uint8_t header = (uint8_t)(8 + fopts_len);
  last_rx.len = 0;
  if (len > header + 4) {
    uint8_t port = msg[header];
    uint8_t plen = (uint8_t)(len - header - 5);
    uint8_t *payload = &msg[header + 1];
    crypt_payload(port == 0 ? s->nwk_skey : s->app_skey, payload, plen, 1, fcnt);
    if (port == 0) {
      handle_mac_commands(payload, plen);
    } else {
      last_rx.port = port;
      memcpy(last_rx.data, payload, plen);
      last_rx.len = plen;
    }
  }
  return true;
}

static void open_rx(bool rx1) {
  uint8_t dr = rx1 ? (uint8_t)(s->datarate > s->rx1_dr_offset ? s->datarate - s->rx1_dr_offset : 0) : s->rx2_dr;
  radio_config_t cfg = {
    .freq_hz = rx1 ? s->channels[tx_channel].freq_hz : s->rx2_freq_hz,
    .sf = dr_to_sf[dr & 7],
    .bw_khz_code = dr_to_bw[dr & 7],
    .cr = 5,
    .power_dbm = 14,
    .iq_inverted = true,
    .preamble = 8,
    .symb_timeout = dr < 3 ? 5 : 12,
  };
  radio_configure(&cfg);
  radio_receive(RX_WINDOW_MS);
}

static void adr_backoff(void) {
  if (!s->adr_enabled) return;
  s->adr_ack_cnt++;
  if (s->adr_ack_cnt < ADR_ACK_LIMIT + ADR_ACK_DELAY) return;
  s->adr_ack_cnt = ADR_ACK_LIMIT;
  if (s->tx_power_index > 0) {
    s->tx_power_index = 0;
  } else if (s->datarate > 0) {
    s->datarate--;
  } else {
    s->channel_mask = 0x0007;
  }
}

static mac_event_t finish_uplink(bool got_downlink) {
  state = MAC_IDLE;
  radio_sleep();
  if (tx_confirmed && !(got_downlink && last_rx.ack) && tx_attempts < s->nb_trans + 7) {
    uint8_t ch;
    if (pick_channel(&ch)) {
      radio_tx(ch);
      tx_attempts++;
      state = MAC_TX;
      return MAC_EVENT_NONE;
    }
  }
  s->fcnt_up++;
  adr_backoff();
  if (got_downlink && last_rx.len) return MAC_EVENT_RX_DATA;
  if (!link_check_requested && gateway_count) return MAC_EVENT_LINK_CHECK;
  return MAC_EVENT_TX_DONE;
}

mac_event_t mac_process(void) {
  radio_event_t ev = radio_poll();
  uint32_t now = board_millis();
  uint32_t rx1_delay_ms = (state == MAC_JOINING || (state >= MAC_WAIT_RX1 && !s->joined)) ? JOIN_ACCEPT_DELAY1_S * 1000u
                                                                                             : s->rx1_delay_s * 1000u;
  switch (state) {
    case MAC_IDLE:
    case MAC_BACKOFF:
      return MAC_EVENT_NONE;
    case MAC_JOINING:
    case MAC_TX:
      if (ev == RADIO_EV_TX_DONE) {
        tx_done_ms = now;
        radio_sleep();
        state = MAC_WAIT_RX1;
      }
      return MAC_EVENT_NONE;
    case MAC_WAIT_RX1:
      if ((int32_t)(now - tx_done_ms - rx1_delay_ms + 20u) >= 0) {
        open_rx(true);
        state = MAC_RX1;
      }
      return MAC_EVENT_NONE;
    case MAC_RX1:
    case MAC_RX2: {
      if (ev == RADIO_EV_NONE) return MAC_EVENT_NONE;
      if (ev == RADIO_EV_RX_DONE) {
        uint8_t buf[256];
        int16_t rssi;
        int8_t snr;
        uint8_t len = radio_read_packet(buf, sizeof buf - 1, &rssi, &snr);
        last_rx.rssi = rssi;
        last_rx.snr = snr;
        if (len && (buf[0] & 0xE0) == MTYPE_JOIN_ACCEPT && !s->joined) {
          if (handle_join_accept(buf, len)) {
            state = MAC_IDLE;
            radio_sleep();
            log_printf("join: accepted devaddr %08lx\r\n", (unsigned long)s->dev_addr);
            return MAC_EVENT_JOINED;
          }
        } else if (len && s->joined && ((buf[0] & 0xE0) == MTYPE_UNCONFIRMED_DOWN || (buf[0] & 0xE0) == MTYPE_CONFIRMED_DOWN)) {
          if (handle_data_down(buf, len)) return finish_uplink(true);
        }
      }
      if (state == MAC_RX1) {
        state = MAC_WAIT_RX2;
        return MAC_EVENT_NONE;
      }
      if (!s->joined) {
        state = MAC_IDLE;
        radio_sleep();
        return MAC_EVENT_JOIN_FAILED;
      }
      return finish_uplink(false);
    }
    case MAC_WAIT_RX2:
      if ((int32_t)(now - tx_done_ms - rx1_delay_ms - 1000u + 20u) >= 0) {
        open_rx(false);
        state = MAC_RX2;
      }
      return MAC_EVENT_NONE;
  }
  return MAC_EVENT_NONE;
}

const mac_rx_t *mac_last_rx(void) { return &last_rx; }
mac_state_t mac_state(void) { return state; }
const mac_session_t *mac_session(void) { return s; }
uint8_t mac_link_margin(void) { return link_margin; }
uint8_t mac_gateway_count(void) { return gateway_count; }

void mac_request_link_check(void) {
  if (link_check_requested) return;
  uint8_t cmd = CID_LINK_CHECK;
  queue_mac(&cmd, 1);
  link_check_requested = true;
  (void)snr_demod_floor;
}
