#include "aws/credentials/provider.hpp"

namespace cat::aws {

std::string_view display_name(CredentialSource source) noexcept {
    switch (source) {
        case CredentialSource::explicit_keys: return "explicit keys";
        case CredentialSource::environment: return "environment";
        case CredentialSource::profile: return "profile";
        case CredentialSource::assume_role: return "assumed role";
        case CredentialSource::web_identity: return "web identity";
        case CredentialSource::github_oidc: return "GitHub Actions OIDC";
        case CredentialSource::sso: return "SSO";
        case CredentialSource::login: return "login session";
        case CredentialSource::process: return "credential_process";
        case CredentialSource::boto: return "boto 2 file";
        case CredentialSource::container: return "container credentials endpoint";
        case CredentialSource::instance_metadata: return "instance metadata";
    }
    return "unknown";
}

}  // namespace cat::aws
