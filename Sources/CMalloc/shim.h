// glibc's malloc tuning (mallopt, malloc_trim): Swift's Glibc module leaves <malloc.h> out.
#include <malloc.h>

// M_ARENA_MAX is a negative macro, which Swift does not import.
static const int patchbay_m_arena_max = M_ARENA_MAX;
