// A tenant's members and their roles: add one, change a role, remove one (confirmed first). Every change goes to
// the API, which decides: nobody grants, changes or removes a role above their own, and a tenant keeps an owner.
// A refusal is shown in the API's words.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import type { Member, Role } from "../../../api/contract.ts";
import { api, apiAll, seg } from "../api.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ActionError, Done, Empty, ErrorState, Loading } from "../components/states.tsx";
import { When } from "../components/status.tsx";
import { ROLES } from "../roles.ts";

const route = getRouteApi("/tenants/$tenant/members");

export function MembersPage() {
  const { tenant } = route.useParams();
  const base = `/v1/tenants/${seg(tenant)}/members`;
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: ["members", tenant], queryFn: () => apiAll<Member>(base) });
  const [done, setDone] = useState<string>();
  const [removing, setRemoving] = useState<string>();
  const changed = (message: string) => {
    setDone(message);
    void queryClient.invalidateQueries({ queryKey: ["members", tenant] });
  };
  const put = useMutation({
    mutationFn: ({ subject, role }: { subject: string; role: Role }) =>
      api<Member>(`${base}/${seg(subject)}`, { method: "PUT", body: JSON.stringify({ role }) }),
    onMutate: () => setDone(undefined),
    onSuccess: (member) => changed(`${member.subject} is now ${member.role}.`),
  });
  const remove = useMutation({
    mutationFn: (subject: string) => api<void>(`${base}/${seg(subject)}`, { method: "DELETE" }),
    onMutate: () => setDone(undefined),
    onSuccess: (_, subject) => changed(`${subject} was removed; the API tokens they minted stop working.`),
  });
  return (
    <section>
      <h1>
        Members of <span className="name">{tenant}</span>
      </h1>
      {members.isPending ? (
        <Loading what="members" />
      ) : members.isError ? (
        <ErrorState error={members.error} what="tenant" />
      ) : (
        <>
          {done && <Done>{done}</Done>}
          {put.isError && <ActionError error={put.error} what="change the membership" />}
          {remove.isError && <ActionError error={remove.error} what="remove the member" />}
          <AddMember busy={put.isPending} onAdd={(subject, role) => put.mutate({ subject, role })} />
          {members.data.length === 0 ? (
            <Empty>No members.</Empty>
          ) : (
            <table>
              <caption>Who may do what in the tenant: viewer &lt; developer &lt; admin &lt; owner</caption>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {members.data.map((m) => (
                  <MemberRow
                    key={m.subject}
                    member={m}
                    busy={put.isPending || remove.isPending}
                    onRole={(role) => put.mutate({ subject: m.subject, role })}
                    onRemove={() => setRemoving(m.subject)}
                  />
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <ConfirmDialog
        open={removing !== undefined}
        title="Remove member?"
        confirmLabel="Remove"
        onCancel={() => setRemoving(undefined)}
        onConfirm={() => {
          if (removing) remove.mutate(removing);
          setRemoving(undefined);
        }}
      >
        <p>
          Remove <code>{removing}</code> from the tenant? They lose access at once, and the API tokens they minted stop
          working.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function MemberRow(props: { member: Member; busy: boolean; onRole: (role: Role) => void; onRemove: () => void }) {
  const { member } = props;
  const [role, setRole] = useState<Role>(member.role);
  const id = `role-${member.subject}`;
  return (
    <tr>
      <th scope="row">
        <code>{member.subject}</code>
      </th>
      <td>
        <label className="visually-hidden" htmlFor={id}>
          Role of {member.subject}
        </label>
        <select id={id} value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>{" "}
        <button
          type="button"
          disabled={props.busy || role === member.role}
          onClick={() => props.onRole(role)}
          aria-label={`Save the role of ${member.subject}`}
        >
          Save
        </button>
      </td>
      <td>
        <When time={member.createdAt} />
      </td>
      <td>
        <button type="button" disabled={props.busy} onClick={props.onRemove} aria-label={`Remove ${member.subject}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function AddMember({ busy, onAdd }: { busy: boolean; onAdd: (subject: string, role: Role) => void }) {
  const [subject, setSubject] = useState("");
  const [role, setRole] = useState<Role>("developer");
  return (
    <form
      className="panel inline-form"
      aria-labelledby="add-member"
      onSubmit={(event) => {
        event.preventDefault();
        if (subject.trim()) onAdd(subject.trim(), role);
      }}
    >
      <h2 id="add-member">Add a member</h2>
      <label>
        Subject{" "}
        <input
          name="subject"
          required
          value={subject}
          onChange={(event) => setSubject(event.target.value)}
          aria-describedby="subject-help"
        />
      </label>{" "}
      <label>
        Role{" "}
        <select name="role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>{" "}
      <button type="submit" className="primary" disabled={busy}>
        Add member
      </button>
      <p id="subject-help" className="muted">
        The user's OpenID Connect subject (the <code>sub</code> of their login; <code>loco whoami</code> shows it).
      </p>
    </form>
  );
}
