/*
 * spikeframe_sensor: a reference Arduino sketch for spikestream's `serial:` source.
 * Each analog input is a channel; a channel spikes (sign 1) when its reading rises by more than
 * THRESHOLD since its last spike, and (sign 0) when it falls by more than THRESHOLD: a
 * send-on-delta (level-crossing) encoder, like a 1-pixel DVS. Open it with
 *   spikestream record --source 'serial:/dev/ttyACM0?baud=115200&protocol=spikeframe' --out x.aedat4
 * Protocol: docs/serial-protocol.md. Device side: spikeframe.h (portable C).
 */
#include "spikeframe.h"

#define CHANNELS 6
#define THRESHOLD 8

static const uint8_t PINS[CHANNELS] = {A0, A1, A2, A3, A4, A5};
static int reference[CHANNELS];
static sf_encoder enc;

static void serial_write(const uint8_t *bytes, size_t len, void *user) {
  (void)user;
  Serial.write(bytes, len);
}

void setup() {
  Serial.begin(115200);
  sf_init(&enc, CHANNELS, 1000000UL, "arduino-level-crossing", serial_write, 0);
  for (uint8_t c = 0; c < CHANNELS; c++) reference[c] = analogRead(PINS[c]);
  sf_hello(&enc);
}

void loop() {
  while (Serial.available() > 0) {
    if (sf_poll_host(&enc, (uint8_t)Serial.read())) sf_hello(&enc);
  }
  for (uint8_t c = 0; c < CHANNELS; c++) {
    int v = analogRead(PINS[c]);
    while (v - reference[c] > THRESHOLD) {
      reference[c] += THRESHOLD;
      sf_event(&enc, micros(), c, 1);
    }
    while (reference[c] - v > THRESHOLD) {
      reference[c] -= THRESHOLD;
      sf_event(&enc, micros(), c, 0);
    }
  }
  static unsigned long last_flush = 0;
  if (micros() - last_flush > 2000UL) { /* at most 2 ms of latency from buffering */
    sf_flush(&enc);
    last_flush = micros();
  }
}
