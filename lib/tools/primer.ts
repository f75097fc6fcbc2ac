/** The long description of coder_create_template_version: a short primer on writing Coder templates, so the model can write one. */
export const TEMPLATE_VERSION_PRIMER = `Create a new template version from an uploaded tar file (see coder_upload_tar_file).
The version is imported asynchronously: follow coder_get_template_version_logs until it finishes, then
use coder_create_template (new template) or coder_update_template_active_version (existing template).

A Coder template is a Terraform module. What it needs:
- The providers "coder/coder" and the one for the infrastructure (e.g. "kreuzwerker/docker", "hashicorp/aws").
- data "coder_workspace" "me" {} and data "coder_workspace_owner" "me" {} to learn the workspace name,
  owner and start count (data.coder_workspace.me.start_count is 1 while the workspace runs, 0 when stopped;
  use it as count on compute resources so stopping the workspace removes them).
- resource "coder_agent" "main" { arch = "amd64"; os = "linux"; startup_script = "..." }: the agent that
  runs inside the workspace. Run its init script in the compute resource, e.g. as the container entrypoint
  ["sh", "-c", coder_agent.main.init_script] with environment CODER_AGENT_TOKEN = coder_agent.main.token.
- Optional: resource "coder_app" (web apps reachable through Coder), data "coder_parameter" (values the
  user chooses when creating a workspace: name, type, default, mutable, options), resource "coder_metadata".
- Keep persistent data (home directories) in a volume that is not tied to start_count, so it survives stops.

Example (Docker):
  terraform { required_providers { coder = { source = "coder/coder" }, docker = { source = "kreuzwerker/docker" } } }
  data "coder_workspace" "me" {}
  data "coder_workspace_owner" "me" {}
  resource "coder_agent" "main" { arch = "amd64"; os = "linux" }
  resource "docker_volume" "home" { name = "coder-\${data.coder_workspace.me.id}-home" }
  resource "docker_container" "workspace" {
    count = data.coder_workspace.me.start_count
    image = "codercom/enterprise-base:ubuntu"
    name  = "coder-\${data.coder_workspace_owner.me.name}-\${data.coder_workspace.me.name}"
    entrypoint = ["sh", "-c", coder_agent.main.init_script]
    env = ["CODER_AGENT_TOKEN=\${coder_agent.main.token}"]
    volumes { container_path = "/home/coder"; volume_name = docker_volume.home.name }
  }`;
