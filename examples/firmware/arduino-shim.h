/*
 * The few Arduino core declarations spikeframe_sensor.ino uses, so `gcc -fsyntax-only` can check
 * the sketch without the Arduino toolchain (see README.md here). Not a runtime.
 */
#ifndef ARDUINO_SHIM_H
#define ARDUINO_SHIM_H
#include <stddef.h>
#include <stdint.h>
enum { A0 = 14, A1, A2, A3, A4, A5 };
int analogRead(uint8_t pin);
unsigned long micros(void);
struct SerialShim {
  void (*begin)(unsigned long baud);
  int (*available)(void);
  int (*read)(void);
  size_t (*write)(const uint8_t *bytes, size_t len);
};
extern struct SerialShim Serial;
#endif
