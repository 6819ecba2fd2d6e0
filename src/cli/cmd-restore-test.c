/* cmd-restore-test.c: placeholder */
#include "system.h"
