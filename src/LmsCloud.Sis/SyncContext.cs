using Npgsql;

namespace LmsCloud.Sis;

/// <summary>
/// The set-based SQL of one run, on the work connection: resolve staged rows to our ids, diff them against the
/// roster, record the changes, check thresholds, apply. Parameters: $1 district, $2 source system, $3 run.
/// Temp tables: <c>stage_x</c> (from COPY), <c>resolved_x</c> (valid rows with ids), <c>diff_x</c> (one action per record).
/// </summary>
internal sealed class SyncContext(
    NpgsqlConnection conn, Guid tenantId, Guid runId, string source, List<(FileSpec Spec, FileMode Mode)> plan, RowErrorLog errors,
    ImportSettings settings)
{
    static readonly Dictionary<string, string> LoginRoles = new()
    {
        ["student"] = "Student", ["teacher"] = "Teacher", ["aide"] = "Teacher", ["proctor"] = "Teacher",
        ["guardian"] = "Guardian", ["parent"] = "Guardian", ["relative"] = "Guardian",
        ["administrator"] = "SchoolAdmin", ["principal"] = "SchoolAdmin", ["siteAdministrator"] = "SchoolAdmin",
        // District-wide SIS roles still map to SchoolAdmin: DistrictAdmin is granted by people, never by a file.
        ["districtAdministrator"] = "SchoolAdmin", ["systemAdministrator"] = "SchoolAdmin", ["counselor"] = "Teacher",
    };

    // A large district's statements run for tens of seconds; the default 30 s would abort a healthy import.
    const int CommandTimeoutSeconds = 3600;

    long _changeSeq;
    readonly Dictionary<string, Dictionary<string, int>> _actions = new(); // per entity: the diff's count of each action
    bool _membershipsDiffed;

    /// <summary>Rows rejected while staging, per entity.</summary>
    public Dictionary<string, int> Invalid { get; } = new();

    FileMode ModeOf(string entity) => plan.FirstOrDefault(p => p.Spec.Entity == entity).Mode;
    FileSpec SpecOf(string entity) => plan.First(p => p.Spec.Entity == entity).Spec;

    public List<EntitySync> Entities()
    {
        var all = new List<EntitySync> { EntitySync.Orgs, EntitySync.Sessions, EntitySync.Courses, EntitySync.Classes };
        if (ModeOf("users") != FileMode.Absent) all.Add(EntitySync.Users(SpecOf("users")));
        all.AddRange([EntitySync.Enrollments, EntitySync.Demographics]);
        return all.Where(e => ModeOf(e.Entity) != FileMode.Absent).ToList();
    }

    public async Task ResolveAsync(EntitySync e, CancellationToken ct)
    {
        var stage = e.Spec.StageTable;
        // Ids: our id for each sourcedId (existing mapping, else a new one). Large files get them while the resolved
        // table is built; the few whose later steps read the staged ids (self references, people) get them first.
        var idsInStage = e.MappedBy != null || e.Entity == "users" || e.Refs.Any(r => r.Entity == e.Entity);
        if (e.MappedBy == null && idsInStage)
        {
            // Indexed first, so no plan of this join can scan the stage once per mapping (whatever the statistics of
            // external_ids, a table of every district, believe about this one).
            await Exec($"create index on {stage} (sid); analyze {stage}", ct);
            await Exec($"""
                update {stage} s set id = x.internal_id from external_ids x
                where x.tenant_id = $1 and x.source_system = $2 and x.entity_type = '{e.Entity}' and x.external_id = s.sid
                """, ct);
            await Exec($"update {stage} set id = gen_random_uuid() where id is null and status = 'active'", ct);
        }
        else if (e.MappedBy != null)
        {
            await Exec($"update {stage} s set id = {Lookup(e.MappedBy, "s.sid")} where true", ct);
            await RejectAsync(e, $"select line, sid from {stage} where id is null and status = 'active'", "sourcedId",
                sid => $"sourcedId '{sid}' matches no user in this package{Stored(e.MappedBy)}.", stage, ct);
        }

        if (e.Entity == "academicSessions") await DeriveSchoolYearsAsync(ct);
        if (e.Entity == "classes") await ResolveTermsAsync(ct);
        if (e.Entity == "users") await PrepareUsersAsync(ct);

        var joins = new List<string>();
        var values = e.Values.Select(v => v.Expression).ToArray();
        foreach (var r in e.Refs)
        {
            var self = r.Entity == e.Entity;
            var packageTable = self ? stage : $"resolved_{r.Entity}";
            var inPackage = ModeOf(r.Entity) != FileMode.Absent;
            var stored = ModeOf(r.Entity) != FileMode.Bulk; // a bulk file is the whole truth: refer only to what it holds
            if (inPackage) joins.Add($"left join {packageTable} p_{r.StageColumn} on p_{r.StageColumn}.sid = s.{r.StageColumn} and p_{r.StageColumn}.status = 'active'");
            if (stored) joins.Add($"left join external_ids x_{r.StageColumn} on x_{r.StageColumn}.tenant_id = $1 and x_{r.StageColumn}.source_system = $2 " +
                                  $"and x_{r.StageColumn}.entity_type = '{r.Entity}' and x_{r.StageColumn}.external_id = s.{r.StageColumn}");
            var expression = (inPackage, stored) switch
            {
                (true, true) => $"coalesce(p_{r.StageColumn}.id, x_{r.StageColumn}.internal_id)",
                (true, false) => $"p_{r.StageColumn}.id",
                _ => $"x_{r.StageColumn}.internal_id",
            };
            values = values.Select(v => v.Replace($"ref_{r.StageColumn}.id", expression)).ToArray();
        }
        var select = string.Join(", ", e.Values.Select((v, i) => $"{values[i]} as {v.Column}"));
        var refSids = string.Concat(e.Refs.Select(r => $", s.{r.StageColumn}"));
        var (id, idJoin, idFilter) = idsInStage
            ? ("s.id", "", "s.id is not null")
            : ("case when s.status = 'active' then coalesce(xid.internal_id, gen_random_uuid()) else xid.internal_id end",
               $"left join external_ids xid on xid.tenant_id = $1 and xid.source_system = $2 and xid.entity_type = '{e.Entity}' and xid.external_id = s.sid",
               "(s.status = 'active' or xid.internal_id is not null)");
        await Exec($"""
            drop table if exists {e.Resolved};
            create temp table {e.Resolved} as
            select s.line, s.sid, s.status, {id} as id{refSids}, {select}
            from {stage} s {idJoin} {string.Join(" ", joins)}
            where {idFilter};
            """, ct);

        foreach (var r in e.Refs)
        {
            var target = e.Values.First(v => v.Expression.Contains($"ref_{r.StageColumn}.id")).Column;
            await RejectAsync(e, $"select line, {r.StageColumn} from {e.Resolved} where status = 'active' and {r.StageColumn} is not null and {target} is null",
                r.Header, sid => $"{r.Header} '{sid}' matches no {r.Entity} record in this package{Stored(r.Entity)}.", e.Resolved, ct);
        }
        // A self reference (session → parent session, org → parent org) resolves against the staged rows, so it may name a
        // row rejected just above: its id would never be written. Reject along the whole chain of parents, as a reference
        // to another entity's rejected row is; in a delta, a parent already imported still counts.
        foreach (var r in e.Refs.Where(r => r.Entity == e.Entity))
        {
            var target = e.Values.First(v => v.Expression.Contains($"ref_{r.StageColumn}.id")).Column;
            var stored = ModeOf(e.Entity) == FileMode.Bulk ? "" : $"""
                and not exists (select 1 from external_ids x where x.tenant_id = $1 and x.source_system = $2 and x.entity_type = '{e.Entity}' and x.internal_id = c.{target})
                """;
            while (await RejectAsync(e, $"""
                       select line, {r.StageColumn} from {e.Resolved} c where status = 'active' and {target} is not null
                         and not exists (select 1 from {e.Resolved} p where p.id = c.{target} and p.status = 'active') {stored}
                       """, r.Header, sid => $"{r.Header} '{sid}' names a {r.Entity} record that was rejected in this run (see its own row), so this row is rejected too.",
                       e.Resolved, ct) > 0)
            {
            }
        }
        // Indexed on sid only where other entities look it up (enrollments and demographics are referred to by nothing).
        var referenced = e.Entity is not ("enrollments" or "demographics");
        await Exec($"{(referenced ? $"create index on {e.Resolved} (sid); " : "")}create index on {e.Resolved} (id); analyze {e.Resolved}", ct);
    }

    string Stored(string entity) => ModeOf(entity) == FileMode.Bulk ? "" : " or already imported";

    /// <summary>An expression for the id of <paramref name="entity"/> with sourcedId <paramref name="sid"/>: this package first, then stored mappings.</summary>
    string Lookup(string entity, string sid)
    {
        var package = ModeOf(entity) != FileMode.Absent ? $"(select r.id from resolved_{entity} r where r.sid = {sid} and r.status = 'active')" : null;
        var stored = ModeOf(entity) != FileMode.Bulk
            ? $"(select x.internal_id from external_ids x where x.tenant_id = $1 and x.source_system = $2 and x.entity_type = '{entity}' and x.external_id = {sid})"
            : null;
        return (package, stored) switch
        {
            ({ } p, { } s) => $"coalesce({p}, {s})",
            ({ } p, null) => p,
            (null, { } s) => s,
            _ => "null::uuid",
        };
    }

    /// <summary>
    /// Rejects the rows a query finds: drops them from <paramref name="from"/> and remembers their sourcedIds as invalid
    /// in the same statement, so the rows never leave SQL; only what the row errors say comes back.
    /// </summary>
    async Task<int> RejectAsync(EntitySync e, string query, string column, Func<string, string> message, string from, CancellationToken ct)
    {
        var rejected = 0;
        await using var cmd = new NpgsqlCommand($"""
            with rejected as ({query.Replace("select line, ", "select line, sid as row_sid, ")}),
                 dropped as (delete from {from} s using rejected r where s.line = r.line),
                 remembered as (insert into invalid_sids select '{e.Entity}', row_sid from rejected)
            select * from rejected
            """, conn) { CommandTimeout = CommandTimeoutSeconds };
        AddParameters(cmd.Parameters);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                errors.Add(new RowError(RowError.Error, e.Spec.FileName, reader.GetInt32(0), column, "E_REFERENCE", message(reader.GetString(2))));
                rejected++;
            }
        if (rejected > 0) Invalid[e.Entity] = Invalid.GetValueOrDefault(e.Entity) + rejected;
        return rejected;
    }

    /// <summary>
    /// OneRoster 1.0 sessions have no schoolYear (the year in which the school year ends): a session without one takes the
    /// endDate year of its top parent in the package (a term of 2026-27 ending in December belongs to 2027), else its own.
    /// </summary>
    async Task DeriveSchoolYearsAsync(CancellationToken ct) => await Exec("""
        with recursive up as (
          select s.sid as start_sid, s.parent_sid, s.end_date, 0 as depth from stage_academicSessions s
          where s.school_year is null and s.status = 'active'
          union all
          select up.start_sid, p.parent_sid, p.end_date, up.depth + 1
          from up join stage_academicSessions p on p.sid = up.parent_sid and p.status = 'active'
          where up.depth < 10
        )
        update stage_academicSessions s set school_year = (
          select extract(year from u.end_date)::int from up u where u.start_sid = s.sid order by u.depth desc limit 1)
        where s.school_year is null and s.status = 'active'
        """, ct);

    /// <summary>A class's termSourcedIds become an array of session ids; one unknown term rejects the class.</summary>
    async Task ResolveTermsAsync(CancellationToken ct)
    {
        await Exec($"""
            alter table stage_classes add column if not exists term_ids uuid[];
            update stage_classes s set term_ids = (
              select array_agg({Lookup("academicSessions", "t.sid")} order by t.n) from unnest(s.term_sids) with ordinality t(sid, n))
            where s.status = 'active';
            """, ct);
        await RejectAsync(EntitySync.Classes,
            "select line, (select string_agg(t, ',') from unnest(term_sids) t) from stage_classes where status = 'active' and array_position(term_ids, null) is not null",
            "termSourcedIds", sids => $"termSourcedIds '{sids}' include a session that matches nothing in this package{Stored("academicSessions")}.",
            "stage_classes", ct);
    }

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

    public async Task<EntityCounts> DiffAsync(EntitySync e, CancellationToken ct)
    {
        var columns = e.Values.Select(v => v.Column).ToArray();
        var t = string.Join(", ", columns.Select(c => $"t.{c}"));
        var r = string.Join(", ", columns.Select(c => $"r.{c}"));
        string Json(string alias) => $"jsonb_build_object({string.Join(", ", columns.Select(c => $"'{c}', {alias}.{c}"))})";
        var mapEntity = e.MappedBy ?? e.Entity;
        var deletions = ModeOf(e.Entity) == FileMode.Bulk
            ? $"""
               select t.{e.KeyColumn}, x.external_id, 'deleted', null::jsonb, null::jsonb
               from external_ids x join {e.Table} t on t.tenant_id = $1 and t.{e.KeyColumn} = x.internal_id
               where x.tenant_id = $1 and x.source_system = $2 and x.entity_type = '{mapEntity}' and t.status = 'active'
                 and not exists (select 1 from {e.Resolved} r where r.id = x.internal_id and r.status = 'active')
                 and not exists (select 1 from invalid_sids i where i.entity = '{e.Entity}' and i.sid = x.external_id)
               """
            : $"""
               select r.id, r.sid, 'deleted', null::jsonb, null::jsonb
               from {e.Resolved} r join {e.Table} t on t.tenant_id = $1 and t.{e.KeyColumn} = r.id
               where r.status = 'tobedeleted' and t.status = 'active'
               """;
        await Exec($"""
            drop table if exists {e.Diff};
            create temp table {e.Diff} as
            select r.id, r.sid,
                   case when t.{e.KeyColumn} is null then 'created' when t.status <> 'active' then 'revived'
                        when ({t}) is distinct from ({r}) then 'updated' else 'unchanged' end as action,
                   case when t.{e.KeyColumn} is not null and ({t}) is distinct from ({r}) then {Json("t")} end as old_values,
                   case when t.{e.KeyColumn} is not null and ({t}) is distinct from ({r}) then {Json("r")} end as new_values
            from {e.Resolved} r left join {e.Table} t on t.tenant_id = $1 and t.{e.KeyColumn} = r.id
            where r.status = 'active' and (t.{e.KeyColumn} is null or t.status <> 'active' or ({t}) is distinct from ({r}))
            union all
            {deletions};
            create index on {e.Diff} (id);
            analyze {e.Diff};
            """, ct);

        // The diff holds changes only (a no-op writes no row to it); unchanged is what the active resolved rows leave.
        var byAction = new Dictionary<string, int>();
        await using (var cmd = new NpgsqlCommand($"select action, count(*)::int from {e.Diff} group by action", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) byAction[reader.GetString(0)] = reader.GetInt32(1);
        byAction["unchanged"] = await Scalar<int>($"select count(*)::int from {e.Resolved} where status = 'active'", ct)
                                - byAction.GetValueOrDefault("created") - byAction.GetValueOrDefault("updated") - byAction.GetValueOrDefault("revived");
        _actions[e.Entity] = byAction;
        return new EntityCounts(byAction.GetValueOrDefault("created"), byAction.GetValueOrDefault("updated"), byAction.GetValueOrDefault("deleted"),
            byAction.GetValueOrDefault("revived"), byAction.GetValueOrDefault("unchanged"), Invalid.GetValueOrDefault(e.Entity));
    }

    /// <summary>Org memberships with roles (1.1 users.role/orgSourcedIds, 1.2 roles.csv) and guardian links, as desired sets.</summary>
    public async Task<Dictionary<string, EntityCounts>> DiffMembershipsAsync(CancellationToken ct)
    {
        var result = new Dictionary<string, EntityCounts>();
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
                  and not exists (select 1 from new_memberships n where n.user_id = m.user_id and n.org_id = m.org_id and n.role = m.role);
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
                cross join lateral (select coalesce({role}, 'student') in ('guardian', 'parent', 'relative') as guardian_side) g
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
                  and not exists (select 1 from new_guardians n where n.student_id = g.student_id and n.guardian_id = g.guardian_id);
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

    /// <summary>The change list a district admin reads: every created, updated, deleted and revived record (unchanged ones are not listed).</summary>
    public async Task RecordChangesAsync(List<EntitySync> entities, CancellationToken ct)
    {
        foreach (var e in entities)
        {
            await Exec($"""
                insert into import_changes (tenant_id, run_id, seq, entity_type, external_id, action, old_values, new_values)
                select $1, $3, {_changeSeq} + row_number() over (), '{e.Entity}', d.sid, d.action,
                       (select jsonb_object_agg(k, v) from jsonb_each(d.old_values) o(k, v) where v is distinct from d.new_values -> k),
                       (select jsonb_object_agg(k, v) from jsonb_each(d.new_values) n(k, v) where v is distinct from d.old_values -> k)
                from {e.Diff} d where d.action <> 'unchanged';
                """, ct);
            _changeSeq = await Scalar<long>("select coalesce(max(seq), 0) from import_changes where tenant_id = $1 and run_id = $3", ct);
        }
        if (!_membershipsDiffed) return;
        foreach (var (diff, entity, sid, values) in new[]
                 {
                     ("diff_roles", "roles", "coalesce(d.user_sid, (select external_id from external_ids x where x.tenant_id = $1 and x.entity_type = 'users' and x.internal_id = d.user_id limit 1))",
                      "jsonb_build_object('org', (select external_id from external_ids x where x.tenant_id = $1 and x.entity_type = 'orgs' and x.internal_id = d.org_id limit 1), 'role', d.role)"),
                     ("diff_guardians", "guardians", "(select external_id from external_ids x where x.tenant_id = $1 and x.entity_type = 'users' and x.internal_id = d.student_id limit 1)",
                      "jsonb_build_object('guardian', (select external_id from external_ids x where x.tenant_id = $1 and x.entity_type = 'users' and x.internal_id = d.guardian_id limit 1))"),
                 })
        {
            if (await Scalar<bool>($"select to_regclass('pg_temp.{diff}') is null", ct)) continue;
            await Exec($"""
                insert into import_changes (tenant_id, run_id, seq, entity_type, external_id, action, old_values, new_values)
                select $1, $3, {_changeSeq} + row_number() over (), '{entity}', coalesce({sid}, '?'), d.action,
                       case when d.action = 'deleted' then {values} end, case when d.action = 'created' then {values} end
                from {diff} d;
                """, ct);
            _changeSeq = await Scalar<long>("select coalesce(max(seq), 0) from import_changes where tenant_id = $1 and run_id = $3", ct);
        }
    }

    /// <summary>Entity types whose deletions exceed the district's threshold share of their active records.</summary>
    public async Task<List<string>> OverThresholdAsync(List<EntitySync> entities, Dictionary<string, EntityCounts> counts, CancellationToken ct)
    {
        var held = new List<string>();
        foreach (var e in entities.Where(e => counts[e.Entity].Deleted > 0))
        {
            var active = await Scalar<long>($"""
                select count(*) from external_ids x join {e.Table} t on t.tenant_id = $1 and t.{e.KeyColumn} = x.internal_id
                where x.tenant_id = $1 and x.source_system = $2 and x.entity_type = '{e.MappedBy ?? e.Entity}' and t.status = 'active'
                """, ct);
            var deleted = counts[e.Entity].Deleted;
            if (deleted > settings.DeletionThreshold * active)
                held.Add($"{e.Entity}: {deleted} of {active} active ({100.0 * deleted / Math.Max(1, active):0.#}%, threshold {settings.DeletionThreshold:P0})");
        }
        return held;
    }

    public async Task ApplyAsync(EntitySync e, CancellationToken ct)
    {
        var columns = e.Values.Select(v => v.Column).ToArray();
        var isUsers = e.Table == "users";
        // A statement with nothing to do is skipped: a first import has no updates or deletions, and each of those
        // statements still joined the whole district's table (rows this transaction wrote, unknown to the statistics).
        var n = _actions.GetValueOrDefault(e.Entity) ?? new Dictionary<string, int>();
        int N(string action) => n.GetValueOrDefault(action);
        if (e.MappedBy == null && N("created") > 0)
            await Exec($"""
                insert into external_ids (tenant_id, source_system, entity_type, external_id, internal_id, first_run_id, last_run_id)
                select $1, $2, '{e.Entity}', d.sid, d.id, $3, $3 from {e.Diff} d where d.action = 'created'
                """, ct);
        // Only changed rows reach MERGE, so a no-op re-import writes nothing.
        if (N("created") + N("updated") + N("revived") > 0)
            await Exec($"""
            merge into {e.Table} t
            using (select r.* from {e.Resolved} r join {e.Diff} d on d.id = r.id and d.action in ('created', 'updated', 'revived')) s
            on t.tenant_id = $1 and t.{e.KeyColumn} = s.id
            when matched then update set {string.Join(", ", columns.Select(c => $"{c} = s.{c}"))}, status = 'active', updated_at = now()
              {(isUsers && !settings.LocalWins ? ", locally_edited = array_remove(t.locally_edited, 'display_name')" : "")}
            when not matched then insert (tenant_id, {e.KeyColumn}, {string.Join(", ", columns)}, status{(isUsers ? ", source" : "")})
              values ($1, s.id, {string.Join(", ", columns.Select(c => $"s.{c}"))}, 'active'{(isUsers ? ", 'sis'" : "")});
            """, ct);
        if (N("deleted") > 0)
            await Exec($"""
            update {e.Table} t set status = 'tobedeleted', updated_at = now()
            from {e.Diff} d where d.action = 'deleted' and t.tenant_id = $1 and t.{e.KeyColumn} = d.id;
            """, ct);
        // No ANALYZE of the table here: the application role cannot analyze a table it does not own (it was skipped
        // with a warning), and no later statement of this transaction plans on this table's statistics (each joins
        // it to an indexed temp table). The next run analyzes what this one changed (analyze_stale_roster_tables).
        if (e.MappedBy == null && N("updated") + N("revived") + N("deleted") > 0)
            await Exec($"""
                update external_ids x set state = case d.action when 'deleted' then 'tobedeleted' else 'active' end, last_run_id = $3
                from {e.Diff} d
                where d.action in ('updated', 'revived', 'deleted') and x.tenant_id = $1 and x.source_system = $2
                  and x.entity_type = '{e.Entity}' and x.internal_id = d.id
                """, ct);
    }

    /// <summary>Applies membership and guardian changes, then keeps SIS-granted sign-in roles in step with the memberships.</summary>
    public async Task ApplyMembershipsAsync(CancellationToken ct)
    {
        if (await HasRowsAsync("diff_roles", ct))
        {
            var mapping = string.Join(" ", LoginRoles.Select(kv => $"when '{kv.Key}' then '{kv.Value}'"));
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

    async Task<bool> HasRowsAsync(string tempTable, CancellationToken ct) =>
        await Scalar<bool>($"select to_regclass('pg_temp.{tempTable}') is not null", ct) &&
        await Scalar<bool>($"select exists (select 1 from {tempTable})", ct);

    /// <summary>SHA-256 over this run's enrollment and role changes, or null when access did not change.</summary>
    public async Task<string?> AccessDigestAsync(CancellationToken ct) =>
        await Scalar<string?>("""
            select encode(sha256(convert_to(string_agg(entity_type || '|' || external_id || '|' || action || '|' || coalesce(new_values::text, old_values::text, ''), E'\n'
                                                       order by seq), 'UTF8')), 'hex')
            from import_changes where tenant_id = $1 and run_id = $3 and entity_type in ('enrollments', 'roles') and action <> 'conflict'
            """, ct);

    /// <summary>Runs one or more statements (separated by semicolons; none of ours has one inside a literal) in one round trip.</summary>
    async Task Exec(string sql, CancellationToken ct, params object[] extra)
    {
        await using var batch = new NpgsqlBatch(conn) { Timeout = CommandTimeoutSeconds };
        foreach (var statement in System.Text.RegularExpressions.Regex.Split(sql, @";(?=\s|$)").Where(x => x.Trim().Length > 0))
        {
            var command = new NpgsqlBatchCommand(statement);
            AddParameters(command.Parameters, extra);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    async Task<T> Scalar<T>(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = CommandTimeoutSeconds };
        AddParameters(cmd.Parameters);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull or null ? default! : (T)value;
    }

    /// <summary>Every statement gets $1 district, $2 source system, $3 run (unused ones are harmless: their types are sent), then any extras.</summary>
    void AddParameters(NpgsqlParameterCollection parameters, params object[] extra)
    {
        parameters.Add(new NpgsqlParameter { Value = tenantId });
        parameters.Add(new NpgsqlParameter { Value = source });
        parameters.Add(new NpgsqlParameter { Value = runId });
        foreach (var value in extra) parameters.Add(new NpgsqlParameter { Value = value });
    }
}
