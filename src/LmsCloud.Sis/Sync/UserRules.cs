using Npgsql;

namespace LmsCloud.Sis;

// The sync phase of the identity rules of people: one user name per person, shared emails; state and SQL plumbing are in SyncContext.cs.
internal sealed partial class SyncContext
{
    /// <summary>
    /// Users: display name, and the identity rules (docs/sis-import.md): a user name belongs to one person (a second
    /// sourcedId with it is rejected); a shared email is kept for display but only its first holder signs in with it.
    /// </summary>
    async Task PrepareUsersAsync(CancellationToken ct)
    {
        var preferred = SpecOf("users").Columns.Any(c => c.Stage == "preferred_given_name");
        await Exec($"""
            alter table stage_users add column if not exists display_name text, add column if not exists normalized_email text;
            update stage_users set
              display_name = {(preferred ? "coalesce(preferred_given_name, given_name) || ' ' || coalesce(preferred_family_name, family_name)" : "given_name || ' ' || family_name")},
              normalized_email = upper(email)
            where status = 'active';
            """, ct);
        // The identity checks below join stage_users to users (a table of every district) on user name, email and id.
        // Both sides are indexed and the checks are plain joins (an OR'ed EXISTS cannot become a semi-join: it runs
        // once per row, and its cost then hangs on what the planner believes about users at that moment).
        await Exec("""
            create index on stage_users (upper(username)); create index on stage_users (normalized_email); create index on stage_users (id);
            analyze stage_users
            """, ct);
        var users = EntitySync.Users(SpecOf("users"));
        await RejectAsync(users, """
            select line, username from (
              select s.line, s.sid, s.username from (
                select s.line, s.sid, s.username, row_number() over (partition by upper(s.username) order by s.line) as nth
                from stage_users s where s.status = 'active') s
              where s.nth > 1
              union
              select s.line, s.sid, s.username
              from stage_users s join users u on u.tenant_id = $1 and u.normalized_user_name = upper(s.username)
              where s.status = 'active' and u.id <> s.id and u.status = 'active') s
            """, "username", name => $"username '{name}' already belongs to another person in this district; sourcedId is the identity, so this row is skipped.",
            "stage_users", ct);

        // Shared emails: every holder after the first (in this package, or already a user) keeps the email without sign-in by it.
        await Exec("""
            create temp table shared_emails as
            select line from (
              select s.line, row_number() over (partition by s.normalized_email order by s.line) as nth
              from stage_users s where s.status = 'active' and s.normalized_email is not null) s
            where s.nth > 1
            union
            select s.line from stage_users s join users u on u.tenant_id = $1 and u.normalized_email = s.normalized_email
            where s.status = 'active' and u.id <> s.id
            """, ct);
        await using (var cmd = new NpgsqlCommand("select s.line, s.email from stage_users s join shared_emails e using (line)", conn))
        {
            AddParameters(cmd.Parameters);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                errors.Add(new RowError(RowError.Warning, "users.csv", reader.GetInt32(0), "email", "W_EMAIL_SHARED",
                    $"Email '{reader.GetString(1)}' is used by another person too; it is kept for display, but this person signs in with the username."));
        }
        await Exec("update stage_users s set normalized_email = null from shared_emails e where e.line = s.line; drop table shared_emails", ct);

        // Fields a district admin edited by hand: the district's policy decides, and every disagreement is recorded.
        await Exec($"""
            insert into import_changes (tenant_id, run_id, seq, entity_type, external_id, action, old_values, new_values)
            select $1, $3, {_changeSeq} + row_number() over (order by s.line), 'users', s.sid, 'conflict',
                   jsonb_build_object('display_name', u.display_name, 'policy', '{(settings.LocalWins ? "LocalWins" : "SisWins")}'),
                   jsonb_build_object('display_name', s.display_name)
            from stage_users s join users u on u.tenant_id = $1 and u.id = s.id
            where 'display_name' = any(u.locally_edited) and u.display_name is distinct from s.display_name;
            """, ct);
        _changeSeq = await Scalar<long>("select coalesce(max(seq), 0) from import_changes where tenant_id = $1 and run_id = $3", ct);
        if (settings.LocalWins)
            await Exec("update stage_users s set display_name = u.display_name from users u where u.tenant_id = $1 and u.id = s.id and 'display_name' = any(u.locally_edited)", ct);
    }
}
