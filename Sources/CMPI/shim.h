// Open MPI's C API for Swift: mpi.h, and functions returning what mpi.h defines as macros (the world
// communicator, datatypes, reduction operations, MPI_IN_PLACE, the null request), which Swift cannot import.

#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

static inline MPI_Comm simba_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype simba_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype simba_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype simba_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op simba_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op simba_mpi_max(void) { return MPI_MAX; }
static inline void *simba_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request simba_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *simba_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline int simba_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int simba_mpi_success(void) { return MPI_SUCCESS; }
static inline int simba_mpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
