/* For the Wine check only (never shipped): Rust's standard library on Windows asks
 * bcryptprimitives.dll for random numbers (ProcessPrng), which Windows 10 and 11 have and
 * Wine 8 (Debian 12) does not. This stand-in answers from advapi32's RtlGenRandom. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
