using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

public enum GradeChangeKind { Score, Excused, Status, FinalOverride, Posting }

public enum GradeChannel { Web, Api, Import, Autograder }

/// <summary>
/// One grade change. <c>AssignmentId</c> is null for a final override; <c>StudentId</c> is null for posting (it covers all
/// of the assignment's students). <c>Before</c>/<c>After</c> are small objects serialised as JSON.
/// </summary>
public sealed record GradeChange(
    GradeChangeKind Kind, Guid ShellId, Guid? AssignmentId, Guid? StudentId, object? Before, object? After,
    Guid? GraderId, GradeChannel Channel, string? Reason);

/// <summary>
/// Writes a grade change twice in the caller's transaction: a <c>grade_changes</c> row (the history page and its filters
/// read these) and a chained audit event with the same before/after, grader, channel and reason (the tamper-evident
/// record). Whether a reason is required (posted grade, closed period) is the caller's rule; this only records.
/// </summary>
public sealed class GradeChangeLog(LmsDbContext db, AuditLog audit)
{
    public static string Name(GradeChangeKind kind) => kind switch
    {
        GradeChangeKind.Score => "score", GradeChangeKind.Excused => "excused", GradeChangeKind.Status => "status",
        GradeChangeKind.FinalOverride => "final_override", GradeChangeKind.Posting => "posting",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Name(GradeChannel channel) => channel.ToString().ToLowerInvariant();

    public async Task<Guid> WriteAsync(GradeChange change, CancellationToken ct)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        var id = Guid.NewGuid();
        var (kind, channel) = (Name(change.Kind), Name(change.Channel));
        var before = change.Before == null ? null : System.Text.Json.JsonSerializer.Serialize(change.Before, GradeDescriptionJson.WriteOptions);
        var after = change.After == null ? null : System.Text.Json.JsonSerializer.Serialize(change.After, GradeDescriptionJson.WriteOptions);
        await db.Database.ExecuteSqlAsync($"""
            insert into grade_changes (tenant_id, id, shell_id, assignment_id, student_id, kind, before_values, after_values, grader_id, channel, reason)
            values ({tenant}, {id}, {change.ShellId}, {change.AssignmentId}, {change.StudentId}, {kind}, {before}::jsonb, {after}::jsonb,
                    {change.GraderId}, {channel}, {change.Reason})
            """, ct);
        var entity = change.AssignmentId is { } assignment ? ("assignment", assignment) : ("course_shell", change.ShellId);
        await audit.WriteAsync(new AuditEntry($"grade.{kind}", entity.Item1, entity.Item2.ToString(), SubjectUserId: change.StudentId,
            Before: new { value = change.Before }, After: new { value = change.After, channel, gradeChangeId = id }, Reason: change.Reason,
            Actor: change.GraderId is { } grader ? AuditActor.User(grader) : null), ct);
        return id;
    }
}
