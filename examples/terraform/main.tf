# An .npmrc for a CodeArtifact npm repository, with a token from codeartifact-token.
#
# The external data source runs `codeartifact-token` with the query on stdin (a JSON object of strings)
# and reads a flat JSON object of strings from stdout. Credentials and region come from the environment
# or ~/.aws, as for the AWS CLI.

terraform {
  required_providers {
    external = { source = "hashicorp/external", version = "~> 2.3" }
    local    = { source = "hashicorp/local", version = "~> 2.5" }
  }
}

variable "domain" {
  type    = string
  default = "my-domain"
}

variable "domain_owner" {
  type    = string
  default = "111122223333"
}

variable "region" {
  type    = string
  default = "us-west-2"
}

data "external" "codeartifact" {
  program = ["codeartifact-token"]
  query = {
    domain           = var.domain
    domain_owner     = var.domain_owner
    region           = var.region
    repository       = "npm-store"
    format           = "npm"
    duration_seconds = "3600"
  }
}

locals {
  registry = data.external.codeartifact.result.repository_endpoint
  # "//host/path/" for the npm auth line
  registry_auth_prefix = replace(local.registry, "https:", "")
}

resource "local_file" "npmrc" {
  filename        = "${path.module}/.npmrc"
  file_permission = "0600"
  content         = <<-EOT
    registry=${local.registry}
    ${local.registry_auth_prefix}:_authToken=${sensitive(data.external.codeartifact.result.authorization_token)}
  EOT
}

output "token_expiration" {
  value = data.external.codeartifact.result.expiration
}
