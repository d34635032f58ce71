/*
 * spikeframe.h: the device side of spikestream's spikeframe serial protocol, in portable C99
 * (no allocation, no Arduino dependency). Specification: docs/serial-protocol.md.
 *
 * Frame before COBS: type u8 | flags u8 | payload | CRC-16/CCITT-FALSE LE (flags bit 0 clear)
 * over type+flags+payload. Every frame is COBS-encoded and followed by 0x00.
 *
 * Use: sf_init(&enc, channels, clock_hz, "name", write_fn, user); sf_hello(&enc) on boot and
 * whenever sf_poll_host() sees a HelloRequest; sf_event(&enc, ticks, channel, sign) per spike;
 * sf_flush(&enc) to send what is buffered (also done automatically when a frame is full).
 */
#ifndef SPIKEFRAME_H
#define SPIKEFRAME_H

#include <stddef.h>
#include <stdint.h>

#define SF_VERSION 1
#define SF_TYPE_HELLO 0x01
#define SF_TYPE_EVENTS 0x02
#define SF_TYPE_LOG 0x03
#define SF_TYPE_HELLO_REQUEST 0x10

/* Events per frame; keeps a frame (2 + 8 + 64 * 8 + 2 bytes) well under the host's 4096 limit. */
#ifndef SF_EVENTS_PER_FRAME
#define SF_EVENTS_PER_FRAME 64
#endif
#define SF_PAYLOAD_MAX (8 + SF_EVENTS_PER_FRAME * 8)

typedef void (*sf_write_fn)(const uint8_t *bytes, size_t len, void *user);

typedef struct {
  uint16_t channels;
  uint32_t clock_hz;
  const char *name;
  sf_write_fn write;
  void *user;
  uint16_t seq;
  uint16_t count;
  uint32_t base_ticks;
  uint32_t last_ticks;
  size_t len; /* payload bytes used */
  uint8_t payload[SF_PAYLOAD_MAX];
  uint8_t rx[16]; /* host → device frame being received */
  size_t rx_len;
} sf_encoder;

static inline uint16_t sf_crc16(const uint8_t *p, size_t n, uint16_t crc) {
  while (n--) {
    crc ^= (uint16_t)(*p++) << 8;
    for (int k = 0; k < 8; k++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

/* COBS-encodes type|flags|payload|crc on the fly and writes it with the 0x00 delimiter. */
static inline void sf_send_frame(sf_encoder *e, uint8_t type, const uint8_t *payload, size_t n) {
  uint8_t raw[2 + SF_PAYLOAD_MAX + 2];
  uint8_t out[sizeof raw + sizeof raw / 254 + 2];
  size_t rn = 0, o = 1, code_at = 0;
  uint8_t code = 1;
  raw[rn++] = type;
  raw[rn++] = 0; /* flags: CRC-16 */
  for (size_t i = 0; i < n; i++) raw[rn++] = payload[i];
  uint16_t crc = sf_crc16(raw, rn, 0xFFFF);
  raw[rn++] = (uint8_t)(crc & 0xFF);
  raw[rn++] = (uint8_t)(crc >> 8);
  for (size_t i = 0; i < rn; i++) {
    if (raw[i] == 0) {
      out[code_at] = code;
      code_at = o++;
      code = 1;
    } else {
      out[o++] = raw[i];
      if (++code == 0xFF) {
        out[code_at] = code;
        code_at = o++;
        code = 1;
      }
    }
  }
  out[code_at] = code;
  out[o++] = 0;
  e->write(out, o, e->user);
}

static inline void sf_init(sf_encoder *e, uint16_t channels, uint32_t clock_hz, const char *name, sf_write_fn write,
                    void *user) {
  e->channels = channels;
  e->clock_hz = clock_hz;
  e->name = name;
  e->write = write;
  e->user = user;
  e->seq = 0;
  e->count = 0;
  e->len = 0;
  e->rx_len = 0;
}

static inline void sf_hello(sf_encoder *e) {
  uint8_t p[8 + 255];
  size_t n = 0;
  while (e->name[n] && n < 255) n++;
  p[0] = SF_VERSION;
  p[1] = (uint8_t)(e->channels & 0xFF);
  p[2] = (uint8_t)(e->channels >> 8);
  for (int k = 0; k < 4; k++) p[3 + k] = (uint8_t)(e->clock_hz >> (8 * k));
  p[7] = (uint8_t)n;
  for (size_t i = 0; i < n; i++) p[8 + i] = (uint8_t)e->name[i];
  sf_send_frame(e, SF_TYPE_HELLO, p, 8 + n);
}

static inline void sf_log(sf_encoder *e, const char *text) {
  size_t n = 0;
  while (text[n] && n < SF_PAYLOAD_MAX) n++;
  sf_send_frame(e, SF_TYPE_LOG, (const uint8_t *)text, n);
}

static inline void sf_flush(sf_encoder *e) {
  if (e->count == 0) return;
  e->payload[0] = (uint8_t)(e->seq & 0xFF);
  e->payload[1] = (uint8_t)(e->seq >> 8);
  for (int k = 0; k < 4; k++) e->payload[2 + k] = (uint8_t)(e->base_ticks >> (8 * k));
  e->payload[6] = (uint8_t)(e->count & 0xFF);
  e->payload[7] = (uint8_t)(e->count >> 8);
  sf_send_frame(e, SF_TYPE_EVENTS, e->payload, e->len);
  e->seq++;
  e->count = 0;
}

static inline size_t sf_varint(uint8_t *p, uint32_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)((v & 0x7F) | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

/* One spike: `ticks` of the device clock (wrapping uint32, non-decreasing), channel, sign 1/0. */
static inline void sf_event(sf_encoder *e, uint32_t ticks, uint16_t channel, uint8_t sign) {
  if (e->count == 0) {
    e->base_ticks = ticks;
    e->last_ticks = ticks;
    e->len = 8;
  }
  e->len += sf_varint(e->payload + e->len, ticks - e->last_ticks);
  e->len += sf_varint(e->payload + e->len, ((uint32_t)channel << 1) | (sign ? 1u : 0u));
  e->last_ticks = ticks;
  if (++e->count == SF_EVENTS_PER_FRAME) sf_flush(e);
}

/* Feed bytes from the host; returns 1 when a HelloRequest frame was completed. */
static inline int sf_poll_host(sf_encoder *e, uint8_t byte) {
  if (byte != 0) {
    if (e->rx_len < sizeof e->rx) e->rx[e->rx_len++] = byte;
    return 0;
  }
  /* rx[0] is the first COBS code byte, rx[1] the frame type (a type is never 0x00). */
  int is_request = e->rx_len >= 2 && e->rx[1] == SF_TYPE_HELLO_REQUEST;
  e->rx_len = 0;
  return is_request;
}

#endif
