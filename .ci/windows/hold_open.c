/* For the Wine check only (never shipped): holds a file open the way Excel holds a workbook
 * it has open, so that icare-fix meets a locked file as it does on a user's computer.
 *   hold_open.exe PATH SHARE SECONDS
 * SHARE is "none" (nobody else may open it) or "read" (others may read, not write). */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wmain(int argc, wchar_t **argv) {
    if (argc != 4) {
        fwprintf(stderr, L"usage: hold_open PATH none|read SECONDS\n");
        return 2;
    }
    DWORD share = wcscmp(argv[2], L"read") == 0 ? FILE_SHARE_READ : 0;
    HANDLE file = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, share, NULL,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        fwprintf(stderr, L"hold_open: cannot open %ls (%lu)\n", argv[1], GetLastError());
        return 1;
    }
    wprintf(L"holding\n");
    fflush(stdout);
    Sleep((DWORD)_wtoi(argv[3]) * 1000);
    CloseHandle(file);
    return 0;
}
