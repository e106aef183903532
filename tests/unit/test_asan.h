/* test_asan.h - UNDER_ASAN is defined when the test is built with
 * AddressSanitizer (gcc's or clang's spelling), whose allocator is not
 * glibc's: tests of glibc's heap figures skip there. */
#ifndef TEST_ASAN_H
#define TEST_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#endif
