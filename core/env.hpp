// The process environment as a value, so code reads variables through it and tests set them without
// touching the real environment.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace cat {

class Env {
public:
    Env() = default;
    explicit Env(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}
    // The current process's environment (envp as main receives it, or `environ`).
    static Env from(char** envp) {
        Env e;
        for (char** p = envp; p != nullptr && *p != nullptr; ++p) {
            std::string_view kv(*p);
            const auto eq = kv.find('=');
            if (eq == std::string_view::npos) continue;
            e.vars_.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
        }
        return e;
    }

    // The value, or "" when unset. Empty and unset are the same for every variable we read.
    std::string get(std::string_view name) const {
        const auto it = vars_.find(name);
        return it == vars_.end() ? std::string() : it->second;
    }
    bool has(std::string_view name) const { return !get(name).empty(); }
    void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
    void unset(std::string_view name) {
        const auto it = vars_.find(name);
        if (it != vars_.end()) vars_.erase(it);
    }
    const std::map<std::string, std::string, std::less<>>& all() const { return vars_; }

private:
    std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace cat
