using Npgsql;

namespace LmsCloud.Core.Learning.Shells;

/// <summary>
/// Keeps course shells in step with the roster, set-based, in the import's own transaction right after it applies
/// (RosterImporter): every active class without a shell gets one (titled after the class, at its school, for its roster
/// course), and a shell all of whose classes the SIS dropped (tobedeleted) is archived, never deleted. Owners are not
/// stored: a shell's teachers are its classes' teacher enrollments, so they follow the roster by themselves.
/// </summary>
public static class ShellSync
{
    public sealed record Outcome(int Created, int Archived);

    public static async Task<Outcome> AfterImportAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid tenantId, CancellationToken ct)
    {
        // The CTE is referenced twice, so it is materialised once: each class's new shell id is the same in both inserts.
        await using var create = new NpgsqlCommand("""
            with missing as materialized (
              select c.id as class_id, c.title, c.school_id, c.course_id, gen_random_uuid() as shell_id
              from classes c
              where c.status = 'active' and not exists (select 1 from course_shell_classes l where l.class_id = c.id)),
            shells as (
              insert into course_shells (tenant_id, id, title, school_id, catalog_course_id)
              select $1, shell_id, left(title, 300), school_id, course_id from missing
              returning id)
            insert into course_shell_classes (tenant_id, shell_id, class_id)
            select $1, m.shell_id, m.class_id from missing m join shells s on s.id = m.shell_id
            """, conn, tx) { CommandTimeout = 3600 };
        create.Parameters.AddWithValue(tenantId);
        var created = await create.ExecuteNonQueryAsync(ct);

        await using var archive = new NpgsqlCommand("""
            update course_shells s set status = 'archived', archived_at = now(), updated_at = now()
            where s.status <> 'archived'
              and exists (select 1 from course_shell_classes l where l.shell_id = s.id)
              and not exists (select 1 from course_shell_classes l join classes c on c.id = l.class_id
                              where l.shell_id = s.id and c.status = 'active')
            """, conn, tx) { CommandTimeout = 3600 };
        var archived = await archive.ExecuteNonQueryAsync(ct);
        return new Outcome(created, archived);
    }
}
