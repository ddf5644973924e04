# Log in to AWS CodeArtifact from a PowerShell build script.
#
# This script was written for the AWS Tools for PowerShell cmdlet Get-CAAuthorizationToken; each call
# below is the same call with only the command's name changed (the line above it shows the original).
# The parameters, their aliases and -Select are the cmdlet's; the output is the cmdlet's too: -Select
# AuthorizationToken prints the token alone, so the variable holds the string, and the default (-Select
# '*') prints the response as JSON, which ConvertFrom-Json turns into an object with the response's
# properties (AuthorizationToken, Expiration).
#
# Credentials and region come from where the cmdlet found them too: a profile (-ProfileName), the
# AWS_* environment variables, or the instance's role. docs/powershell.md has the side-by-side table.

$Domain = "my-domain"
$DomainOwner = "111122223333"
$Region = "us-west-2"

# $token = Get-CAAuthorizationToken -Domain $Domain -DomainOwner $DomainOwner -Select AuthorizationToken
$token = codeartifact-token -Domain $Domain -DomainOwner $DomainOwner -Select AuthorizationToken
if ($LASTEXITCODE -ne 0) { throw "codeartifact-token failed with exit code $LASTEXITCODE" }

# A shorter token, the region named, and the whole response kept for its expiry. A program prints text,
# so the response object takes `| ConvertFrom-Json` (the one change besides the name):
# $response = Get-CAAuthorizationToken -Domain $Domain -DomainOwner $DomainOwner -DurationSeconds 900 -Region $Region
$response = codeartifact-token -Domain $Domain -DomainOwner $DomainOwner -DurationSeconds 900 `
    -Region $Region | ConvertFrom-Json
if ($LASTEXITCODE -ne 0) { throw "codeartifact-token failed with exit code $LASTEXITCODE" }
Write-Host "CodeArtifact token valid until $($response.Expiration)"

# The expiry alone, with the cmdlet's aliases and lower-case names:
# $expires = Get-CAAuthorizationToken -domain $Domain -RegionToCall $Region -DurationSecond 3600 -Select Expiration
$expires = codeartifact-token -domain $Domain -RegionToCall $Region -DurationSecond 3600 -Select Expiration
if ($LASTEXITCODE -ne 0) { throw "codeartifact-token failed with exit code $LASTEXITCODE" }

# Echo a parameter back, as -Select '^Parameter' does:
# $owner = Get-CAAuthorizationToken -Domain $Domain -DomainOwner $DomainOwner -Select '^DomainOwner'
$owner = codeartifact-token -Domain $Domain -DomainOwner $DomainOwner -Select '^DomainOwner'

# npm and pip read the token from the environment for the rest of the build.
$env:CODEARTIFACT_AUTH_TOKEN = $token
$env:PIP_INDEX_URL = "https://aws:$token@$Domain-$DomainOwner.d.codeartifact.$Region.amazonaws.com/pypi/pypi-store/simple/"
