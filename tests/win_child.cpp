// A program for the Windows tests to run (no cmd.exe there): core_windows_test runs it through
// process::run, and the end-to-end tests under wine use it as credential_process.
//   win_child args A B...        writes each argument as the child's C runtime split them, each ended by '\0'
//   win_child print TEXT         writes TEXT to standard output
//   win_child cat FILE           writes the file's content to standard output
//   win_child stderr TEXT        writes TEXT to standard error and "out" to standard output
//   win_child exit N             ends with exit status N
//   win_child big N              writes N bytes to standard output
//   win_child sleep              sleeps until killed
//   win_child spawn-sleep FILE   starts "win_child sleep", writes its process id to FILE, then sleeps
//   win_child alive PID          exit status 0 when process PID is still running, 1 when it is gone
//   win_child add-root DER       adds the certificate (DER file) to the current user's ROOT store
//   win_child remove-root DER    removes it again
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
// After windows.h.
#include <shellapi.h>
#include <wincrypt.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::string narrow(const wchar_t* w) {
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, w, -1, nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(n > 0 ? n - 1 : 0), '\0');
    if (n > 1) ::WideCharToMultiByte(CP_UTF8, 0, w, -1, out.data(), n, nullptr, nullptr);
    return out;
}

std::string read_all(const wchar_t* path) {
    const HANDLE f = ::CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr);
    std::string out;
    char buf[4096];
    DWORD n = 0;
    while (f != INVALID_HANDLE_VALUE && ::ReadFile(f, buf, sizeof buf, &n, nullptr) && n > 0) out.append(buf, n);
    if (f != INVALID_HANDLE_VALUE) ::CloseHandle(f);
    return out;
}

// The ROOT store of the current user, as the program under test opens it (CertOpenSystemStoreW "ROOT").
int change_root(const wchar_t* der_file, bool add) {
    const std::string der = read_all(der_file);
    if (der.empty()) return 4;
    const HCERTSTORE store = ::CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"ROOT");
    if (store == nullptr) return 5;
    PCCERT_CONTEXT cert = nullptr;
    const auto* bytes = reinterpret_cast<const BYTE*>(der.data());
    BOOL ok = ::CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, bytes, static_cast<DWORD>(der.size()),
                                                 CERT_STORE_ADD_REPLACE_EXISTING, &cert);
    if (ok && !add) {
        ok = ::CertDeleteCertificateFromStore(cert);  // frees cert
        cert = nullptr;
    }
    if (cert != nullptr) ::CertFreeCertificateContext(cert);
    ::CertCloseStore(store, 0);
    return ok ? 0 : 6;
}

void write(DWORD which, const std::string& text) {
    DWORD n = 0;
    ::WriteFile(::GetStdHandle(which), text.data(), static_cast<DWORD>(text.size()), &n, nullptr);
}

}  // namespace

int main() {
    int argc = 0;
    wchar_t** wargv = ::CommandLineToArgvW(::GetCommandLineW(), &argc);
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) args.push_back(narrow(wargv[i]));
    if (args.size() < 2) return 2;
    const std::string& mode = args[1];
    const std::string arg = args.size() > 2 ? args[2] : std::string();
    if (mode == "args") {
        std::string out;
        for (std::size_t i = 2; i < args.size(); ++i) out += args[i] + '\0';
        write(STD_OUTPUT_HANDLE, out);
        return 0;
    }
    if (mode == "print") {
        write(STD_OUTPUT_HANDLE, arg);
        return 0;
    }
    if (mode == "cat") {
        write(STD_OUTPUT_HANDLE, read_all(wargv[2]));
        return 0;
    }
    if (mode == "stderr") {
        write(STD_ERROR_HANDLE, arg);
        write(STD_OUTPUT_HANDLE, "out");
        return 0;
    }
    if (mode == "exit") return std::atoi(arg.c_str());
    if (mode == "big") {
        write(STD_OUTPUT_HANDLE, std::string(std::strtoul(arg.c_str(), nullptr, 10), 'x'));
        return 0;
    }
    if (mode == "sleep") {
        ::Sleep(INFINITE);
        return 0;
    }
    if (mode == "spawn-sleep") {
        wchar_t self[MAX_PATH];
        ::GetModuleFileNameW(nullptr, self, MAX_PATH);
        std::wstring command = L"\"" + std::wstring(self) + L"\" sleep";
        STARTUPINFOW si{};
        si.cb = sizeof si;
        PROCESS_INFORMATION pi{};
        if (!::CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi))
            return 3;
        const std::string pid = std::to_string(pi.dwProcessId);
        const HANDLE f = ::CreateFileW(wargv[2], GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr);
        DWORD n = 0;
        ::WriteFile(f, pid.data(), static_cast<DWORD>(pid.size()), &n, nullptr);
        ::CloseHandle(f);
        ::Sleep(INFINITE);
        return 0;
    }
    if (mode == "alive") {
        const HANDLE p = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(std::strtoul(arg.c_str(), nullptr, 10)));
        if (p == nullptr) return 1;
        const bool running = ::WaitForSingleObject(p, 0) == WAIT_TIMEOUT;
        ::CloseHandle(p);
        return running ? 0 : 1;
    }
    if (mode == "add-root" || mode == "remove-root") return change_root(wargv[2], mode == "add-root");
    return 2;
}
