-- Argo CD health check for loco.dev/Pipeline (a "living" resource: its summary condition is Ready).
-- Argo CD runs this with `obj` set to the live object and only Lua's base and table libraries loaded; it must
-- return a table with `status` (Healthy, Progressing, Degraded, Suspended or Missing) and `message`.
-- Source of truth for charts/loco/argocd/argocd-cm.yaml: edit here, then `node hack/argocd-health-checks.ts`.
local hs = {}
local status = obj.status
if status == nil or status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the loco operator to report the Pipeline's status."
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the loco operator to observe generation " .. tostring(generation) .. "."
  return hs
end
for _, condition in ipairs(status.conditions) do
  if condition.type == "Ready" then
    hs.message = condition.message
    if condition.status == "True" then
      hs.status = "Healthy"
    elseif condition.status == "False" then
      hs.status = "Degraded"
    else
      hs.status = "Progressing"
    end
    return hs
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the loco operator to report the Pipeline's Ready condition."
return hs
