using System.Data;
using System.Text;
using LmsCloud.Core.Rostering;
using LmsCloud.Sis.Generation;
using Npgsql;
using static LmsCloud.Sis.OneRosterHeaders;

namespace LmsCloud.Sis.Export;

/// <summary>One file of the exported package and how many records (rows without the header) it holds.</summary>
public sealed record OneRosterFile(string FileName, long Records);

/// <summary>
/// The district's roster as a OneRoster 1.2 bulk CSV package that our own importer re-imports with zero changes
/// (docs/compliance.md, "The OneRoster export"). Every data file is one <c>COPY (select …) TO STDOUT</c> streamed to its
/// stream, so memory stays flat whatever the district's size; PostgreSQL does the CSV quoting.
/// </summary>
/// <remarks>
/// What is written, and why (each rule keeps a re-import a no-op):
/// <list type="bullet">
/// <item>The records of one source system (the SIS of the district's last applied import), with its sourcedIds and
/// <c>source.systemCode</c>: the importer keys everything by (source system, sourcedId). Records of another source and
/// people created by hand have no sourcedId of that system and are left out (a bulk file never touches them).</item>
/// <item>Only <c>active</c> records. A <c>tobedeleted</c> record is already deleted, and a bulk file deletes only what is
/// active, so leaving it out changes nothing; written as tobedeleted it would only add W_BULK_STATUS warnings, and as
/// active it would be revived.</item>
/// <item>References are written as the referenced record's sourcedId whatever its state. An active record that names a
/// deleted one (an enrollment of a deleted class) is rejected on re-import (E_REFERENCE), which keeps it as it is.</item>
/// <item>Memberships (roles.csv) and guardian links only between exported records: naming a deleted person or org
/// could not be resolved anyway.</item>
/// <item>Values exactly as the importer reads them: dates <c>YYYY-MM-DD</c>, booleans <c>true</c>/<c>false</c>, lists
/// comma-joined (an empty list as <c>,</c>, which reads back as an empty list), the display name as preferred names when
/// it is not given + family name.</item>
/// </list>
/// </remarks>
public static class OneRosterExport
{
    public const string Version = "1.2";

    // Timestamps as OneRoster writes them: ISO 8601 in UTC.
    const string Stamp = """to_char({0} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""";

    /// <summary>
    /// Writes the district's roster as a OneRoster 1.2 CSV package: manifest.csv and one file per entity, each to the
    /// stream <paramref name="createFile"/>(name) gives. Each stream is disposed when its file is written, before the
    /// next is asked for (so a zip's entries can be written one after the other).
    /// </summary>
    /// <param name="connection">An open tenant session of the district. Outside a transaction, the export reads in one
    /// REPEATABLE READ snapshot of its own, so the files agree with each other; inside the caller's transaction, its
    /// snapshot (use REPEATABLE READ there too).</param>
    public static async Task<IReadOnlyList<OneRosterFile>> WriteAsync(NpgsqlConnection connection, Func<string, Stream> createFile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(createFile);
        await using var snapshot = await BeginSnapshotAsync(connection, ct);
        var tenant = await ScalarAsync<string?>(connection, "select nullif(current_setting('app.tenant_id', true), '')", ct)
                     ?? throw new InvalidOperationException("The connection serves no district: open it with TenantSession.");
        var source = await SourceSystemAsync(connection, ct);
        // Every select joins whole tables of the district; hash joins are right whatever the planner believes. Statistics
        // taken before a large import (of this district or another) would otherwise pick nested loops that scan the
        // district's mappings once per row (docs/sis-import.md, "Plans that do not depend on other districts").
        await ExecuteAsync(connection, "set local enable_nestloop = off", ct);
        var files = new List<OneRosterFile>();

        await using (var stream = createFile("manifest.csv"))
        using (var manifest = new CsvFileWriter(stream, "manifest.csv", "propertyName", "value"))
        {
            manifest.Row("manifest.version", "1.0");
            manifest.Row("oneroster.version", Version);
            foreach (var file in Manifest12Files)
                manifest.Row("file." + file, Written.Contains(file) ? "bulk" : "absent");
            manifest.Row("source.systemCode", source);
            files.Add(new OneRosterFile("manifest.csv", manifest.Rows));
        }

        var q = new Sql(Guid.Parse(tenant), source);
        (string Name, string[] Header, string Select)[] entities =
        [
            ("orgs.csv", OrgsHeader, q.Orgs()), ("academicSessions.csv", SessionsHeader, q.Sessions()), ("courses.csv", CoursesHeader, q.Courses()),
            ("classes.csv", ClassesHeader, q.Classes()), ("users.csv", Users12Header, q.Users()), ("roles.csv", RolesHeader, q.Roles()),
            ("enrollments.csv", EnrollmentsHeader, q.Enrollments()),
        ];
        foreach (var e in entities)
            files.Add(new OneRosterFile(e.Name, await CopyAsync(connection, createFile, e.Name, e.Header, e.Select, ct)));

        // Demographics: birth date and sex are columns; every other column the SIS sent is kept as JSON (flags), so the
        // header is the standard columns plus whatever other keys this district's rows hold.
        var keys = await StringsAsync(connection, "select distinct jsonb_object_keys(flags) from demographics where status = 'active' order by 1", ct);
        // A key spelled like a column the importer binds (a repeated column of the SIS's file) would bind as that column: left out.
        var header = DemographicsHeader.Concat(keys.Where(k => !DemographicsHeader.Contains(k) &&
                                                               !DemographicsHeader.Take(5).Contains(k, StringComparer.OrdinalIgnoreCase))).ToArray();
        files.Add(new OneRosterFile("demographics.csv", await CopyAsync(connection, createFile, "demographics.csv", header, q.Demographics(header), ct)));

        if (snapshot != null) await snapshot.CommitAsync(ct);
        else await ExecuteAsync(connection, "set local enable_nestloop to default", ct); // the caller's transaction goes on as it was
        return files;
    }

    static readonly HashSet<string> Written = ["orgs", "academicSessions", "courses", "classes", "users", "roles", "enrollments", "demographics"];

    /// <summary>One REPEATABLE READ, read-only transaction, unless the caller has one open (then theirs is used: null).</summary>
    static async Task<NpgsqlTransaction?> BeginSnapshotAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        NpgsqlTransaction transaction;
        try
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        }
        catch (InvalidOperationException)
        {
            return null; // "A transaction is already in progress": Npgsql says so only this way
        }
        await using var readOnly = new NpgsqlCommand("set transaction read only", connection, transaction);
        await readOnly.ExecuteNonQueryAsync(ct);
        return transaction;
    }

    /// <summary>
    /// The district's SIS: the source system of its last applied import, else the one most of its mappings belong to,
    /// else the importer's default.
    /// </summary>
    static async Task<string> SourceSystemAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await ScalarAsync<string?>(connection, """
            select coalesce(
              (select source_system from import_runs
               where status in ('succeeded', 'succeeded_with_warnings') and not dry_run and source_system is not null
               order by finished_at desc nulls last limit 1),
              (select source_system from external_ids group by source_system order by count(*) desc, source_system limit 1))
            """, ct) ?? "sis";

    /// <summary>Writes the header, then the rows of one COPY; returns the number of rows.</summary>
    static async Task<long> CopyAsync(NpgsqlConnection connection, Func<string, Stream> createFile, string fileName, string[] header, string select,
        CancellationToken ct)
    {
        await using var stream = createFile(fileName);
        using var csv = new CsvFileWriter(stream, fileName, header);
        csv.Flush();
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        using var reader = await connection.BeginTextExportAsync($"copy ({select}) to stdout (format csv)", ct);
        var buffer = new char[32 * 1024];
        long rows = 0;
        var quoted = false;
        int read;
        while ((read = await reader.ReadAsync(buffer, ct)) > 0)
        {
            // A row ends at a line break outside quotes (PostgreSQL quotes every field holding one; "" toggles twice).
            foreach (var c in buffer.AsSpan(0, read))
                if (c == '"') quoted = !quoted;
                else if (c == '\n' && !quoted) rows++;
            await writer.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        await writer.FlushAsync(ct);
        return rows;
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull or null ? default! : (T)value;
    }

    static async Task<List<string>> StringsAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<string>();
        while (await reader.ReadAsync(ct)) list.Add(reader.GetString(0));
        return list;
    }

    /// <summary>
    /// The select of each file, its columns in the header's order (null for the standard columns we do not store).
    /// COPY takes no parameters, so the district and source system are literals (quoted here; the district is a uuid).
    /// </summary>
    sealed class Sql(Guid tenant, string source)
    {
        readonly string src = "'" + source.Replace("'", "''") + "'";

        /// <summary>Our id → sourcedId of one entity type of the source system.</summary>
        string Ids(string entity) =>
            $"(select internal_id, external_id from external_ids where tenant_id = '{tenant}' and source_system = {src} and entity_type = '{entity}')";

        static string At(string column) => string.Format(Stamp, column);
        static string Day(string column) => $"to_char({column}, 'YYYY-MM-DD')";
        static string Bool(string column) => $"case when {column} then 'true' else 'false' end";
        static string List(string column) => $"case when cardinality({column}) = 0 then ',' else array_to_string({column}, ',') end";

        static readonly string GuardianSide = string.Join(", ", RosterRoles.GuardianSide.Select(r => $"'{r}'"));

        public string Orgs() => $"""
            select x.external_id, 'active', {At("o.updated_at")}, o.name, o.type, o.identifier, p.external_id
            from orgs o join {Ids("orgs")} x on x.internal_id = o.id
            left join {Ids("orgs")} p on p.internal_id = o.parent_id
            where o.status = 'active' order by x.external_id
            """;

        public string Sessions() => $"""
            select x.external_id, 'active', {At("s.updated_at")}, s.title, s.type, {Day("s.start_date")}, {Day("s.end_date")}, p.external_id, s.school_year
            from academic_sessions s join {Ids("academicSessions")} x on x.internal_id = s.id
            left join {Ids("academicSessions")} p on p.internal_id = s.parent_id
            where s.status = 'active' order by x.external_id
            """;

        public string Courses() => $"""
            select x.external_id, 'active', {At("c.updated_at")}, y.external_id, c.title, c.course_code, {List("c.grades")}, o.external_id,
                   {List("c.subjects")}, {List("c.subject_codes")}
            from courses c join {Ids("courses")} x on x.internal_id = c.id
            left join {Ids("orgs")} o on o.internal_id = c.org_id
            left join {Ids("academicSessions")} y on y.internal_id = c.school_year_id
            where c.status = 'active' order by x.external_id
            """;

        public string Classes() => $"""
            select x.external_id, 'active', {At("c.updated_at")}, c.title, {List("c.grades")}, k.external_id, c.class_code, c.class_type, c.location,
                   o.external_id,
                   (select string_agg(t.external_id, ',' order by u.n) from unnest(c.term_ids) with ordinality u(id, n)
                    join {Ids("academicSessions")} t on t.internal_id = u.id),
                   {List("c.subjects")}, {List("c.subject_codes")}, {List("c.periods")}
            from classes c join {Ids("classes")} x on x.internal_id = c.id
            left join {Ids("courses")} k on k.internal_id = c.course_id
            left join {Ids("orgs")} o on o.internal_id = c.school_id
            where c.status = 'active' order by x.external_id
            """;

        /// <summary>The active people of the source, as our id and sourcedId.</summary>
        string People() => $"(select u.id, x.external_id from users u join {Ids("users")} x on x.internal_id = u.id where u.status = 'active')";

        /// <summary>
        /// Users. Preferred names carry the display name when it is not "given family" (1.2 reads it back as
        /// preferredGivenName + ' ' + preferredFamilyName, each defaulting to the plain name). Guardian links go on the
        /// student's row (agentSourcedIds = their guardians) unless the student holds a guardian-side role, which would make
        /// the importer read that row's agents as children: then on the guardian's row. Rows whose email a sign-in
        /// holder shares come after the holder: the importer lets the first holder in the file sign in with it.
        /// </summary>
        public string Users() => $"""
            select x.external_id, 'active', {At("u.updated_at")}, {Bool("u.enabled_user")}, u.user_name, null, u.given_name, u.family_name,
                   u.middle_name, u.identifier, u.email, u.sms, u.phone, a.sids, {List("u.grades")}, null, null, null,
                   n.given, null, n.family, null, null
            from users u join {Ids("users")} x on x.internal_id = u.id
            cross join lateral (select u.display_name as shown, u.given_name || ' ' || u.family_name as plain,
                                       right(u.display_name, length(u.family_name) + 1) = ' ' || u.family_name as ends_family,
                                       left(u.display_name, length(u.given_name) + 1) = u.given_name || ' ' as starts_given) d
            cross join lateral (select
                case when d.shown is not distinct from d.plain then null when d.ends_family then left(d.shown, -length(u.family_name) - 1)
                     when d.starts_given then null when strpos(d.shown, ' ') > 0 then split_part(d.shown, ' ', 1) else d.shown end as given,
                case when d.shown is not distinct from d.plain or d.ends_family then null
                     when d.starts_given then substr(d.shown, length(u.given_name) + 2)
                     when strpos(d.shown, ' ') > 0 then substr(d.shown, strpos(d.shown, ' ') + 1) end as family) n
            left join (
              select l.user_id, string_agg(p.external_id, ',' order by p.external_id) as sids from (
                select g.student_id as user_id, g.guardian_id as other from guardian_links g
                where not exists (select 1 from user_orgs m where m.user_id = g.student_id and m.role in ({GuardianSide}))
                union all
                select g.guardian_id, g.student_id from guardian_links g
                where exists (select 1 from user_orgs m where m.user_id = g.student_id and m.role in ({GuardianSide}))
              ) l join {People()} p on p.id = l.other
              group by l.user_id
            ) a on a.user_id = u.id
            where u.status = 'active' order by u.normalized_email is null, x.external_id
            """;

        /// <summary>
        /// Memberships. The importer keeps no sourcedId of a role row, so each gets a stable one: a uuid from the md5 of
        /// (person, org, role) sourcedIds, the membership's identity.
        /// </summary>
        public string Roles() => $"""
            select md5(jsonb_build_array(p.external_id, o.external_id, m.role)::text)::uuid::text, 'active', null, p.external_id, m.role_type, m.role,
                   {Day("m.begin_date")}, {Day("m.end_date")}, o.external_id, null
            from user_orgs m join {People()} p on p.id = m.user_id
            join (select g.id, x.external_id from orgs g join {Ids("orgs")} x on x.internal_id = g.id where g.status = 'active') o on o.id = m.org_id
            order by p.external_id, o.external_id, m.role
            """;

        public string Enrollments() => $"""
            select x.external_id, 'active', {At("e.updated_at")}, k.external_id, o.external_id, p.external_id, e.role, {Bool("e.is_primary")},
                   {Day("e.begin_date")}, {Day("e.end_date")}
            from enrollments e join {Ids("enrollments")} x on x.internal_id = e.id
            left join {Ids("classes")} k on k.internal_id = e.class_id
            left join {Ids("orgs")} o on o.internal_id = e.school_id
            left join {Ids("users")} p on p.internal_id = e.user_id
            where e.status = 'active' order by x.external_id
            """;

        /// <summary>Keyed by the person's sourcedId; the header's columns after birthDate and sex come from <c>flags</c>.</summary>
        public string Demographics(string[] header) => $"""
            select x.external_id, 'active', {At("d.updated_at")}, {Day("d.birth_date")}, d.sex,
                   {string.Join(", ", header.Skip(5).Select(k => $"d.flags ->> '{k.Replace("'", "''")}'"))}
            from demographics d join {Ids("users")} x on x.internal_id = d.user_id
            where d.status = 'active' order by x.external_id
            """;
    }
}
