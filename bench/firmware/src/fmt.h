#ifndef FMT_H
#define FMT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
int fmt_vsnprintf(char *buf, size_t size, const char *format, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
void log_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
size_t fmt_hex(char *out, const uint8_t *data, size_t len);
int fmt_parse_hex(const char *text, uint8_t *out, size_t len);
int fmt_parse_u32(const char *text, uint32_t *out);
#endif
