/* placeholder */
#include "system.h"
int main(void) { return 0; }
