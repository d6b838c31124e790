/* A small printf: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ', width, precision, l/ll/h/z. */
#include "fmt.h"
#include "uart.h"
#include <string.h>

typedef struct {
  char *buf;
  size_t size;
  size_t pos;
} out_t;

static void emit(out_t *o, char c) {
  if (o->pos + 1 < o->size) o->buf[o->pos] = c;
  o->pos++;
}

static void emit_padded(out_t *o, const char *s, size_t len, int width, int left, char pad) {
  int fill = width > (int)len ? width - (int)len : 0;
  if (!left)
    while (fill-- > 0) emit(o, pad);
  while (len--) emit(o, *s++);
  if (left)
    while (fill-- > 0) emit(o, ' ');
}

static size_t utoa_base(unsigned long long v, unsigned base, int upper, char *tmp) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  size_t n = 0;
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v);
  for (size_t i = 0; i < n / 2; i++) {
    char t = tmp[i];
    tmp[i] = tmp[n - 1 - i];
    tmp[n - 1 - i] = t;
  }
  return n;
}

int fmt_vsnprintf(char *buf, size_t size, const char *f, va_list ap) {
  out_t o = {buf, size, 0};
  char tmp[24];
  while (*f) {
    if (*f != '%') {
      emit(&o, *f++);
      continue;
    }
    f++;
    int left = 0, plus = 0, space = 0, width = 0, precision = -1, lng = 0;
    char pad = ' ';
    for (;; f++) {
      if (*f == '-') left = 1;
      else if (*f == '0') pad = '0';
      else if (*f == '+') plus = 1;
      else if (*f == ' ') space = 1;
      else break;
    }
    if (*f == '*') {
      width = va_arg(ap, int);
      f++;
    } else {
      while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
      f++;
      precision = 0;
      while (*f >= '0' && *f <= '9') precision = precision * 10 + (*f++ - '0');
    }
    while (*f == 'l' || *f == 'h' || *f == 'z') {
      if (*f == 'l') lng++;
      if (*f == 'z') lng = 1;
      f++;
    }
    char conv = *f ? *f++ : '\0';
    switch (conv) {
      case 'd':
      case 'i': {
        long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
        unsigned long long mag = v < 0 ? (unsigned long long)(-v) : (unsigned long long)v;
        size_t n = 0;
        char num[26];
        if (v < 0) num[n++] = '-';
        else if (plus) num[n++] = '+';
        else if (space) num[n++] = ' ';
        n += utoa_base(mag, 10, 0, num + n);
        emit_padded(&o, num, n, width, left, pad);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
        unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
        size_t n = utoa_base(v, base, conv == 'X', tmp);
        while (precision > (int)n && n < sizeof(tmp)) {
          memmove(tmp + 1, tmp, n++);
          tmp[0] = '0';
        }
        emit_padded(&o, tmp, n, width, left, pad);
        break;
      }
      case 'p': {
        uintptr_t v = (uintptr_t)va_arg(ap, void *);
        emit(&o, '0');
        emit(&o, 'x');
        size_t n = utoa_base(v, 16, 0, tmp);
        emit_padded(&o, tmp, n, 8, 0, '0');
        break;
      }
      case 'c': {
        char c = (char)va_arg(ap, int);
        emit_padded(&o, &c, 1, width, left, ' ');
        break;
      }
      case 's': {
        const char *s = va_arg(ap, const char *);
        if (!s) s = "(null)";
        size_t n = strlen(s);
        if (precision >= 0 && (size_t)precision < n) n = (size_t)precision;
        emit_padded(&o, s, n, width, left, ' ');
        break;
      }
      case '%':
        emit(&o, '%');
        break;
      default:
        emit(&o, '%');
        if (conv) emit(&o, conv);
        break;
    }
  }
  if (size) buf[o.pos < size ? o.pos : size - 1] = '\0';
  return (int)o.pos;
}

int fmt_snprintf(char *buf, size_t size, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int n = fmt_vsnprintf(buf, size, format, ap);
  va_end(ap);
  return n;
}

void log_printf(const char *format, ...) {
  char line[128];
  va_list ap;
  va_start(ap, format);
  int n = fmt_vsnprintf(line, sizeof line, format, ap);
  va_end(ap);
  if (n > (int)sizeof line - 1) n = sizeof line - 1;
  uart_write((const uint8_t *)line, (size_t)n);
}

size_t fmt_hex(char *out, const uint8_t *data, size_t len) {
  static const char digits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  out[2 * len] = '\0';
  return 2 * len;
}

static int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int fmt_parse_hex(const char *text, uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    int hi = hex_nibble(text[2 * i]);
    int lo = hi < 0 ? -1 : hex_nibble(text[2 * i + 1]);
    if (lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return text[2 * len] == '\0' ? 0 : -1;
}

int fmt_parse_u32(const char *text, uint32_t *out) {
  uint32_t v = 0;
  if (!*text) return -1;
  while (*text) {
    if (*text < '0' || *text > '9') return -1;
    uint32_t d = (uint32_t)(*text++ - '0');
    if (v > (0xFFFFFFFFu - d) / 10u) return -1;
    v = v * 10u + d;
  }
  *out = v;
  return 0;
}
