-- Argo CD health check for loco.dev/Run (a "batch" resource: its summary condition is Succeeded, Unknown while
-- the Run waits or runs, then True or False for good).
-- Argo CD runs this with `obj` set to the live object and only Lua's base and table libraries loaded; it must
-- return a table with `status` (Healthy, Progressing, Degraded, Suspended or Missing) and `message`.
-- Source of truth for charts/loco/argocd/argocd-cm.yaml: edit here, then `node hack/argocd-health-checks.ts`.
local hs = {}
local status = obj.status
if status == nil or status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the loco operator to start the Run."
  return hs
end
for _, condition in ipairs(status.conditions) do
  if condition.type == "Succeeded" then
    hs.message = condition.message
    if condition.status == "True" then
      hs.status = "Healthy"
    elseif condition.status == "False" then
      -- Failed, timed out, cancelled, replaced or refused: the Run is over and will not be retried.
      hs.status = "Degraded"
    elseif condition.reason == "PipelineNotFound" then
      -- The Pipeline the Run names does not exist (yet): the Run waits for it.
      hs.status = "Missing"
    else
      -- Queued for a concurrency slot, pending or running.
      hs.status = "Progressing"
    end
    return hs
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the loco operator to report the Run's Succeeded condition."
return hs
