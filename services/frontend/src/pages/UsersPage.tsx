import { useState, type FormEvent } from "react";
import { formErrors } from "../api/fieldErrors";
import { useInviteUser, useUpdateUser, useUsers, type Role, type Schemas } from "../api/queries";
import { useUser } from "../auth/AuthContext";
import { Field } from "../components/Field";
import { QueryState, FormError } from "../components/States";
import { Button } from "../components/Button";
import { ScrollBox } from "../components/ScrollBox";
import { When } from "../components/When";

const ROLES: Role[] = ["admin", "member", "viewer"];
type User = Schemas["UserOut"];

function InviteForm() {
  const invite = useInviteUser();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ email: email.trim(), role }, { onSuccess: () => setEmail("") });
  };
  const { fields, form } = formErrors(invite.error, ["email"]);
  return (
    <form onSubmit={submit} className="stack" aria-labelledby="invite-heading" noValidate>
      <h2 id="invite-heading">Invite a user</h2>
      <Field label="Email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={fields.email} />
      <label className="field">
        <span>Role</span>
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <FormError error={form} />
      {invite.data && (
        <div role="status" className="notice">
          <p>
            Invited {invite.data.user.email}. Send them this one-time link (shown once, valid {Math.round(invite.data.expires_in / 86400)} days):
          </p>
          <input readOnly aria-label="Set-password link" value={invite.data.set_password_url} onFocus={(e) => e.target.select()} />
        </div>
      )}
      <Button type="submit" className="btn btn-primary" unavailable={invite.isPending}>
        Invite
      </Button>
    </form>
  );
}

function UserRow({ user, self }: { user: User; self: boolean }) {
  const update = useUpdateUser();
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return (
    <tr>
      <td className="break">
        {user.email}
        {name && <div className="muted">{name}</div>}
      </td>
      <td data-label="Role">
        <select
          aria-label={`Role of ${user.email}`}
          value={user.role}
          // Not disabled while saving: that dropped the keyboard's focus; a change then is ignored.
          disabled={self}
          onChange={(e) => !update.isPending && update.mutate({ id: user.id, patch: { role: e.target.value as Role } })}
        >
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </td>
      <td data-label="Status">{!user.active ? "Deactivated" : user.invited ? "Invited, no password yet" : "Active"}</td>
      <td data-label="Last sign-in">
        <When iso={user.last_login_at} none="Never" />
      </td>
      <td className="row-actions-cell">
        {!self && (
          <Button type="button" className="btn" unavailable={update.isPending} onClick={() => update.mutate({ id: user.id, patch: { active: !user.active } })}>
            {user.active ? "Deactivate" : "Reactivate"}
            <span className="sr-only"> {user.email}</span>
          </Button>
        )}
        <FormError error={update.error} />
      </td>
    </tr>
  );
}

export function UsersPage() {
  const me = useUser();
  const users = useUsers();
  return (
    <>
      <h1>Users</h1>
      <div className="grid-2 users-grid">
        <section className="card table-card" aria-label="All users">
          <QueryState query={users} isEmpty={(u) => u.length === 0} empty="No users yet.">
            {(list) => (
              // On a phone each user is a card (table-stack): five columns
              // side by side left only User and Role on screen.
              <ScrollBox label="Users table" className="table-stack users-table">
                <table>
                  <caption className="sr-only">Users of this tenant</caption>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Role</th>
                      <th scope="col">Status</th>
                      <th scope="col">Last sign-in</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((u) => (
                      <UserRow key={u.id} user={u} self={u.id === me.id} />
                    ))}
                  </tbody>
                </table>
              </ScrollBox>
            )}
          </QueryState>
        </section>
        <section className="card invite-card">
          <InviteForm />
        </section>
      </div>
    </>
  );
}
