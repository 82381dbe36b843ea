using Npgsql;

namespace LmsCloud.Sis;

// The sync phase of resolving references and rejecting what they cannot reach; state and SQL plumbing are in SyncContext.cs.
internal sealed partial class SyncContext
{
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
}
