/* Interrupt-driven USART2 with power-of-two ring buffers. */
#include "uart.h"
#include "board.h"

#define RB_SIZE 256u

typedef struct {
  uint8_t data[RB_SIZE];
  volatile uint16_t head, tail;
} ring_t;

static ring_t rx_ring, tx_ring;
static volatile uint32_t rx_overruns;

static bool ring_put(ring_t *r, uint8_t b) {
  uint16_t next = (uint16_t)((r->head + 1u) & (RB_SIZE - 1u));
  if (next == r->tail) return false;
  r->data[r->head] = b;
  r->head = next;
  return true;
}

static bool ring_get(ring_t *r, uint8_t *b) {
  if (r->head == r->tail) return false;
  *b = r->data[r->tail];
  r->tail = (uint16_t)((r->tail + 1u) & (RB_SIZE - 1u));
  return true;
}

void uart_init(uint32_t baud) {
  USART2->CR1 = 0;
  USART2->BRR = (CORE_CLOCK_HZ + baud / 2u) / baud;
  USART2->CR3 = 0;
  USART2->CR1 = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5);
  NVIC_ISER0 = 1u << 6;
}

void USART2_IRQHandler(void) {
  uint32_t isr = USART2->ISR;
  if (isr & (1u << 3)) {
    USART2->ICR = 1u << 3;
    rx_overruns++;
  }
  if (isr & (1u << 5)) {
    if (!ring_put(&rx_ring, (uint8_t)USART2->RDR)) rx_overruns++;
  }
  if ((isr & (1u << 7)) && (USART2->CR1 & (1u << 7))) {
    uint8_t b;
    if (ring_get(&tx_ring, &b)) USART2->TDR = b;
    else USART2->CR1 &= ~(1u << 7);
  }
}

void uart_write(const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (!ring_put(&tx_ring, data[i])) {
      USART2->CR1 |= 1u << 7;
      cpu_wfi();
    }
  }
  USART2->CR1 |= 1u << 7;
}

bool uart_read_byte(uint8_t *byte) { return ring_get(&rx_ring, byte); }

size_t uart_rx_available(void) { return (size_t)((rx_ring.head - rx_ring.tail) & (RB_SIZE - 1u)); }

void uart_flush(void) {
  while (tx_ring.head != tx_ring.tail) cpu_wfi();
  while (!(USART2->ISR & (1u << 6))) {
  }
}
