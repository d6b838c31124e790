/* Vector table and reset handler: copy .data, clear .bss, call main. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void USART1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI15_10_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void RTC_WKUP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPTIM1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C1_EV_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[64] = {
  (vector_t)&_estack, Reset_Handler, Default_Handler, HardFault_Handler,
  Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
  Default_Handler, Default_Handler, 0, Default_Handler, SysTick_Handler,
  [16 + 3] = RTC_WKUP_IRQHandler,
  [16 + 9] = EXTI3_IRQHandler,
  [16 + 31] = I2C1_EV_IRQHandler,
  [16 + 37] = USART1_IRQHandler,
  [16 + 38] = USART2_IRQHandler,
  [16 + 40] = EXTI15_10_IRQHandler,
  [16 + 47] = LPTIM1_IRQHandler,
};

volatile uint32_t fault_pc;

void Reset_Handler(void) {
  uint32_t *src = &_sidata;
  for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  main();
  for (;;) {
  }
}

void HardFault_Handler(void) {
  uint32_t *sp;
  __asm volatile("mrs %0, msp" : "=r"(sp));
  fault_pc = sp[6];
  for (;;) {
  }
}

void Default_Handler(void) {
  for (;;) {
  }
}

/* Heap for newlib (its float printf allocates): grows up from the end of .bss. */
static char *heap_end;
void *_sbrk(int increment) {
  extern char _ebss_heap[];
  char *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  if (!heap_end) heap_end = _ebss_heap;
  if (heap_end + increment > sp - 1024) return (void *)-1;
  char *previous = heap_end;
  heap_end += increment;
  return previous;
}
