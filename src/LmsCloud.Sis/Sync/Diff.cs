using Npgsql;

namespace LmsCloud.Sis;

// The sync phase of the diff against the stored roster, the change list and the deletion threshold; state and SQL plumbing are in SyncContext.cs.
internal sealed partial class SyncContext
{
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
}
