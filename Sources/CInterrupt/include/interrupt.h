// Handlers for SIGINT and SIGTERM that only record the signal (the first one) or end the process
// (a second one), so Swift code polls a flag instead of running inside a signal handler.
#ifndef SIMBA_INTERRUPT_H
#define SIMBA_INTERRUPT_H

/// Installs the handlers and unblocks both signals in the calling thread: the first SIGINT or
/// SIGTERM is recorded and a note written to stderr; a second one ends the process at once with
/// status 128 + its number. Idempotent.
void simba_interrupt_install(void);

/// The first signal received since installation (SIGINT or SIGTERM), or 0.
int simba_interrupt_signal(void);

#endif
