using LmsCloud.Core.Rostering;
using Npgsql;

namespace LmsCloud.Sis;

// The sync phase of org memberships, roles and guardian links: desired sets, their diff and apply, sign-in roles; state and SQL plumbing are in SyncContext.cs.
internal sealed partial class SyncContext
{
    static readonly string GuardianSideRoles = string.Join(", ", RosterRoles.GuardianSide.Select(r => $"'{r}'"));

    /// <summary>Org memberships with roles (1.1 users.role/orgSourcedIds, 1.2 roles.csv) and guardian links, as desired sets.</summary>
    public async Task<Dictionary<string, EntityCounts>> DiffMembershipsAsync(CancellationToken ct)
    {
        var result = new Dictionary<string, EntityCounts>();
        // The people and orgs this run rejected, as our ids: their stored memberships and links stay as they were (a
        // rejected row never deletes anything, so a school rejected in a lenient run keeps its staff and students).
        await Exec("""
            drop table if exists rejected_ids;
            create temp table rejected_ids as
            select distinct x.entity_type, x.internal_id from invalid_sids i
            join external_ids x on x.tenant_id = $1 and x.source_system = $2 and x.entity_type = i.entity and x.external_id = i.sid
            where i.entity in ('orgs', 'users');
            create index on rejected_ids (internal_id); analyze rejected_ids
            """, ct);
        var v12 = plan.Any(p => p.Spec == RosterFiles.Roles12);
        var rolesMode = v12 ? ModeOf("roles") : ModeOf("users");
        if (rolesMode != FileMode.Absent)
        {
            var (file, query, header) = v12
                ? ("roles.csv", $"""
                    select s.line, s.org_sid, {Lookup("users", "s.user_sid")} as user_id, s.user_sid, {Lookup("orgs", "s.org_sid")} as org_id,
                           s.role, s.role_type, s.begin_date, s.end_date
                    from stage_roles s where s.status = 'active'
                    """, "orgSourcedId")
                : ("users.csv", $"""
                    select s.line, o.sid as org_sid, r.id as user_id, s.sid as user_sid, {Lookup("orgs", "o.sid")} as org_id,
                           s.role, 'primary'::text as role_type, null::date as begin_date, null::date as end_date
                    from stage_users s join resolved_users r on r.sid = s.sid and r.status = 'active'
                    cross join unnest(s.org_sids) o(sid)
                    """, "orgSourcedIds");
            await Exec($"drop table if exists new_memberships; create temp table new_memberships as {query}", ct);
            await ReportUnresolvedAsync(file, header, "select line, coalesce(org_sid, user_sid) from new_memberships where user_id is null or org_id is null", ct);
            await Exec("delete from new_memberships where user_id is null or org_id is null; create index on new_memberships (user_id, org_id, role); analyze new_memberships", ct);
            // Scope: a bulk file owns every membership of this source's people; a delta only those of the people it names.
            var scope = rolesMode == FileMode.Bulk
                ? "select internal_id from external_ids where tenant_id = $1 and source_system = $2 and entity_type = 'users'"
                : v12 ? $"select {Lookup("users", "user_sid")} from stage_roles" : "select id from resolved_users";
            await Exec($"""
                drop table if exists diff_roles;
                create temp table diff_roles as
                select n.user_id, n.user_sid, n.org_id, n.role, n.role_type, n.begin_date, n.end_date, 'created' as action
                from (select distinct on (user_id, org_id, role) * from new_memberships) n
                where not exists (select 1 from user_orgs m where m.tenant_id = $1 and m.user_id = n.user_id and m.org_id = n.org_id and m.role = n.role)
                union all
                select m.user_id, null, m.org_id, m.role, m.role_type, m.begin_date, m.end_date, 'deleted'
                from user_orgs m
                where m.tenant_id = $1 and m.user_id in ({scope})
                  and not exists (select 1 from new_memberships n where n.user_id = m.user_id and n.org_id = m.org_id and n.role = m.role)
                  and not exists (select 1 from rejected_ids j where j.internal_id in (m.user_id, m.org_id));
                """, ct);
            // Indexed and analyzed: the apply joins user_orgs (rows this transaction writes) against it.
            await Exec("create index on diff_roles (user_id, org_id, role); analyze diff_roles", ct);
            result["roles"] = await SetCountsAsync("diff_roles", "(select count(*) from new_memberships)", ct);
        }

        if (ModeOf("users") != FileMode.Absent)
        {
            // agentSourcedIds may be listed on either side; the row's role says which side it is.
            var roles12 = plan.Any(p => p.Spec == RosterFiles.Roles12) && ModeOf("roles") != FileMode.Absent;
            var role = roles12
                ? "(select r.role from stage_roles r where r.user_sid = s.sid order by r.role_type limit 1)"
                : plan.Any(p => p.Spec == RosterFiles.Users11) ? "s.role" : "null";
            if (roles12) await Exec("create index on stage_roles (user_sid, role_type)", ct); // looked up once per user
            await Exec($"""
                drop table if exists new_guardians;
                create temp table new_guardians as
                select s.line, a.sid as agent_sid,
                       case when g.guardian_side then {Lookup("users", "a.sid")} else r.id end as student_id,
                       case when g.guardian_side then r.id else {Lookup("users", "a.sid")} end as guardian_id
                from stage_users s join resolved_users r on r.sid = s.sid and r.status = 'active'
                cross join lateral (select coalesce({role}, '{RosterRoles.Student}') in ({GuardianSideRoles}) as guardian_side) g
                cross join unnest(s.agent_sids) a(sid);
                """, ct);
            await ReportUnresolvedAsync("users.csv", "agentSourcedIds", "select line, agent_sid from new_guardians where guardian_id is null or student_id is null", ct);
            var scope = ModeOf("users") == FileMode.Bulk
                ? "select internal_id from external_ids where tenant_id = $1 and source_system = $2 and entity_type = 'users'"
                : "select id from resolved_users";
            await Exec($"""
                delete from new_guardians where guardian_id is null or student_id is null;
                create index on new_guardians (student_id, guardian_id);
                analyze new_guardians;
                drop table if exists diff_guardians;
                create temp table diff_guardians as
                select distinct n.student_id, n.guardian_id, 'created' as action from new_guardians n
                where not exists (select 1 from guardian_links g where g.tenant_id = $1 and g.student_id = n.student_id and g.guardian_id = n.guardian_id)
                union all
                select g.student_id, g.guardian_id, 'deleted' from guardian_links g
                where g.tenant_id = $1 and g.student_id in ({scope})
                  and not exists (select 1 from new_guardians n where n.student_id = g.student_id and n.guardian_id = g.guardian_id)
                  and not exists (select 1 from rejected_ids j where j.internal_id in (g.student_id, g.guardian_id));
                """, ct);
            await Exec("create index on diff_guardians (student_id, guardian_id); analyze diff_guardians", ct);
            result["guardians"] = await SetCountsAsync("diff_guardians", "(select count(distinct (student_id, guardian_id)) from new_guardians)", ct);
        }
        _membershipsDiffed = true;
        return result;
    }

    async Task ReportUnresolvedAsync(string file, string column, string query, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(query, conn);
        AddParameters(cmd.Parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            errors.Add(new RowError(RowError.Error, file, reader.GetInt32(0), column, "E_REFERENCE",
                $"{column} '{reader.GetString(1)}' matches no record in this package or already imported; the link is skipped."));
    }

    async Task<EntityCounts> SetCountsAsync(string diff, string desiredCount, CancellationToken ct)
    {
        var created = await Scalar<long>($"select count(*) from {diff} where action = 'created'", ct);
        var deleted = await Scalar<long>($"select count(*) from {diff} where action = 'deleted'", ct);
        var desired = await Scalar<long>($"select {desiredCount}", ct);
        return new EntityCounts((int)created, 0, (int)deleted, 0, (int)(desired - created), 0);
    }

    /// <summary>Applies membership and guardian changes, then keeps SIS-granted sign-in roles in step with the memberships.</summary>
    public async Task ApplyMembershipsAsync(CancellationToken ct)
    {
        if (await HasRowsAsync("diff_roles", ct))
        {
            var mapping = string.Join(" ", RosterRoles.SignInRole.Select(kv => $"when '{kv.Key}' then '{kv.Value}'"));
            await Exec($"""
                delete from user_orgs m using diff_roles d
                where d.action = 'deleted' and m.tenant_id = $1 and m.user_id = d.user_id and m.org_id = d.org_id and m.role = d.role;
                insert into user_orgs (tenant_id, user_id, org_id, role, role_type, begin_date, end_date)
                select $1, user_id, org_id, role, role_type, begin_date, end_date from diff_roles where action = 'created';

                drop table if exists role_users; drop table if exists desired_login_roles;
                create temp table role_users as select distinct user_id from diff_roles;
                create unique index on role_users (user_id);
                analyze role_users;
                create temp table desired_login_roles as
                select distinct m.user_id, case m.role {mapping} end as role
                from role_users c join user_orgs m on m.tenant_id = $1 and m.user_id = c.user_id;
                create index on desired_login_roles (user_id, role);
                analyze desired_login_roles;
                delete from user_roles r using role_users c
                where r.tenant_id = $1 and r.source = 'sis' and r.user_id = c.user_id
                  and not exists (select 1 from desired_login_roles d where d.user_id = r.user_id and d.role = r.role);
                insert into user_roles (tenant_id, user_id, role, source)
                select $1, user_id, role, 'sis' from desired_login_roles where role is not null
                on conflict do nothing;
                drop table desired_login_roles; drop table role_users;
                """, ct);
        }
        if (await HasRowsAsync("diff_guardians", ct))
            await Exec("""
                delete from guardian_links g using diff_guardians d
                where d.action = 'deleted' and g.tenant_id = $1 and g.student_id = d.student_id and g.guardian_id = d.guardian_id;
                insert into guardian_links (tenant_id, student_id, guardian_id)
                select $1, student_id, guardian_id from diff_guardians where action = 'created' on conflict do nothing;
                """, ct);
    }

    /// <summary>SHA-256 over this run's enrollment and role changes, or null when access did not change.</summary>
    public async Task<string?> AccessDigestAsync(CancellationToken ct) =>
        await Scalar<string?>("""
            select encode(sha256(convert_to(string_agg(entity_type || '|' || external_id || '|' || action || '|' || coalesce(new_values::text, old_values::text, ''), E'\n'
                                                       order by seq), 'UTF8')), 'hex')
            from import_changes where tenant_id = $1 and run_id = $3 and entity_type in ('enrollments', 'roles') and action <> 'conflict'
            """, ct);
}
