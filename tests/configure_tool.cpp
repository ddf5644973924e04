// Runs --configure the way the program will: plan over the real files under $HOME, then apply (or, with
// "dry_run", print the dry run; with "env", print the variables as NAME=VALUE lines).
// tests/configure_readback.py drives it, then asks each installed tool what it read.
//
// In (argv[1]): {"tool", "repository_endpoint", "token", "domain", "domain_owner", "repository",
//                "namespace", "extra_index", "config_file", "dry_run", "show_token", "env"}
// Exit status: 0, or the error's exit code with its message on stderr.
#include <rapidjson/document.h>
#include <unistd.h>

#include <iostream>

#include "configure/configure.hpp"

namespace cfg = cat::configure;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: configure_tool JSON\n";
        return 2;
    }
    rapidjson::Document d;
    d.Parse(argv[1]);
    if (!d.IsObject()) {
        std::cerr << "configure_tool: the argument is not a JSON object\n";
        return 2;
    }
    auto str = [&](const char* key) { return d.HasMember(key) ? std::string(d[key].GetString()) : std::string(); };
    auto flag = [&](const char* key) { return d.HasMember(key) && d[key].GetBool(); };
    cfg::ConfigureInput in;
    in.tool = str("tool");
    in.repository_endpoint = str("repository_endpoint");
    in.token = str("token");
    in.domain = str("domain");
    in.domain_owner = str("domain_owner");
    in.repository = str("repository");
    in.namespace_ = str("namespace");
    in.extra_index = flag("extra_index");
    in.config_file = str("config_file");
    const auto env = cat::Env::from(environ);
    if (flag("env")) {
        for (const auto& [name, value] : cfg::env_vars(in)) std::cout << name << '=' << value << '\n';
        return 0;
    }
    auto edits = cfg::plan(in, env, env.get("HOME"), cfg::filesystem_reader());
    if (!edits) {
        std::cerr << cat::describe(edits.error()) << '\n';
        return cat::exit_code(edits.error().kind);
    }
    if (flag("dry_run")) {
        std::cout << cfg::render_dry_run(*edits, flag("show_token"));
        return 0;
    }
    if (auto s = cfg::apply(*edits); !s) {
        std::cerr << cat::describe(s.error()) << '\n';
        return cat::exit_code(s.error().kind);
    }
    for (const auto& e : *edits) std::cout << e.path << '\n';
    return 0;
}
