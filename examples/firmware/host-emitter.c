/*
 * A host build of spikeframe.h for tests: reads "ticks channel sign" lines on stdin and writes
 * the spikeframe byte stream (Hello, a Log line, then Events frames) to stdout. The test suite
 * compiles it with gcc and decodes its output with the TypeScript decoder.
 */
#include <stdio.h>
#include <stdlib.h>
#include "spikeframe_sensor/spikeframe.h"

static void out(const uint8_t *bytes, size_t len, void *user) {
  (void)user;
  fwrite(bytes, 1, len, stdout);
}

int main(int argc, char **argv) {
  unsigned channels = argc > 1 ? (unsigned)atoi(argv[1]) : 8;
  sf_encoder enc;
  sf_init(&enc, (uint16_t)channels, 1000000UL, "host-emitter", out, NULL);
  sf_hello(&enc);
  sf_log(&enc, "host emitter ready");
  unsigned long ticks;
  unsigned channel, sign;
  while (scanf("%lu %u %u", &ticks, &channel, &sign) == 3) sf_event(&enc, (uint32_t)ticks, (uint16_t)channel, (uint8_t)sign);
  sf_flush(&enc);
  return 0;
}
