/* restest.c: placeholder */
#include "system.h"
