namespace LmsCloud.Sis;

// The sync phase of applying the changed rows of an entity (mappings, MERGE, soft deletes); state and SQL plumbing are in SyncContext.cs.
internal sealed partial class SyncContext
{
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
}
