// Handlers for SIGINT and SIGTERM that only record the signal (the first one) or end the process
// (a second one). Everything here is async-signal-safe: a lock-free atomic, write(2) and _exit(2).

#include "interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

// Lock-free, so usable in a handler; a compare-exchange, because two signals may be handled by two
// threads at the same time and exactly one of them must be the first.
static atomic_int first_signal = 0;

static void record(int signal_number) {
    int none = 0;
    if (!atomic_compare_exchange_strong(&first_signal, &none, signal_number)) {
        _exit(128 + signal_number);
    }
    static const char note[] = "\nsimba: stopping at the next safe point (press Ctrl-C again to quit at once)\n";
    ssize_t ignored = write(STDERR_FILENO, note, sizeof note - 1);
    (void)ignored;
}

void simba_interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    // Interrupted reads and writes resume, so no file operation fails with EINTR on the way to the
    // next check.
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    // A parent may have started us with the two blocked (a thread of a thread pool spawning us
    // passes its mask on): unblock them, or they would wait unseen until the process ends.
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &stops, NULL);
}

int simba_interrupt_signal(void) {
    return atomic_load_explicit(&first_signal, memory_order_relaxed);
}
