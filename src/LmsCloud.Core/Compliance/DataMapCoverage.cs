using Npgsql;

namespace LmsCloud.Core.Compliance;

/// <summary>
/// Checks the data map against the migrated schema (public tables of the catalog): every table holding a person key
/// (<see cref="DataMap.PersonKeyNames"/>) has an entry naming each such column, every column of a mapped table is
/// exported or withheld, and every table and column an entry names exists. Each problem names its table.
/// </summary>
public static class DataMapCoverage
{
    public static async Task<List<string>> ProblemsAsync(NpgsqlConnection conn, IReadOnlyList<DataMapEntry> entries, NpgsqlTransaction? tx = null,
        CancellationToken ct = default)
    {
        var columns = new Dictionary<string, List<string>>();
        await using (var cmd = new NpgsqlCommand("""
            select c.relname::text, a.attname::text
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
            order by c.relname, a.attnum
            """, conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                if (!columns.TryGetValue(reader.GetString(0), out var list)) columns[reader.GetString(0)] = list = [];
                list.Add(reader.GetString(1));
            }

        // Columns of a foreign key pointing at users, whatever they are called.
        var referencing = new HashSet<(string, string)>();
        await using (var cmd = new NpgsqlCommand("""
            select c.relname::text, a.attname::text
            from pg_constraint k
            join pg_class c on c.oid = k.conrelid
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum = any (k.conkey)
            where k.contype = 'f' and k.confrelid = 'public.users'::regclass and n.nspname = 'public' and a.attname <> 'tenant_id'
            """, conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                referencing.Add((reader.GetString(0), reader.GetString(1)));

        var problems = new List<string>();
        foreach (var (table, tableColumns) in columns)
        {
            if (DataMap.IsExcluded(table)) continue;
            var keys = tableColumns.Where(c => DataMap.IsPersonKeyName(c) || referencing.Contains((table, c)) || (table == "users" && c == "id")).ToList();
            var entry = entries.FirstOrDefault(e => e.Table == table);
            if (entry == null)
            {
                if (keys.Count > 0)
                    problems.Add($"{table}: holds person keys ({string.Join(", ", keys)}) but has no entry in the data map " +
                                 "(src/LmsCloud.Core/Compliance/DataMap.cs) or in its excluded tables");
                continue;
            }
            foreach (var key in keys.Where(k => entry.PersonKeys.All(p => p.Column != k)))
                problems.Add($"{table}.{key}: a person key the data map's entry does not list among its person keys");
            foreach (var column in tableColumns.Where(c => c != DataMap.TenantColumn && !entry.Exported.Contains(c) && entry.Withheld.All(w => w.Column != c)))
                problems.Add($"{table}.{column}: neither exported nor withheld (with a reason) by the data map");
        }

        foreach (var entry in entries)
        {
            if (!columns.TryGetValue(entry.Table, out var tableColumns))
            {
                problems.Add($"{entry.Table}: in the data map, but no such table exists");
                continue;
            }
            var named = entry.PersonKeys.Select(k => k.Column).Concat(entry.Exported).Concat(entry.Withheld.Select(w => w.Column))
                .Concat(entry.Erasure.Replace?.Keys ?? []);
            foreach (var column in named.Distinct().Where(c => !tableColumns.Contains(c)))
                problems.Add($"{entry.Table}.{column}: named by the data map, but {entry.Table} has no such column");
            foreach (var secret in entry.Exported.Intersect(DataMap.SecretColumns))
                problems.Add($"{entry.Table}.{secret}: a secret, exported by the data map");
            foreach (var column in entry.Exported.Intersect(entry.Withheld.Select(w => w.Column)))
                problems.Add($"{entry.Table}.{column}: both exported and withheld");
            if (!IsoPeriod.TryParse(entry.Retention.Period, out _) || entry.Retention.Check(entry.Retention.Period) is { } below)
                problems.Add($"{entry.Table}: its default retention {entry.Retention.Period} is malformed or below its floor");
        }
        return problems;
    }
}
