using System.Text.Json;
using LmsCloud.Core.Database;

namespace LmsCloud.Core.Rostering;

// The roster tables (0005_roster.sql) as EF Core reads them (mappings: RosterConfigurations.cs). The import engine
// writes them with COPY and set-based SQL, never through these classes. Columns are snake_case by LmsDbContext's convention.
// jsonb columns are JsonElement (Npgsql's JSON DOM mapping): their documents vary by entity type and are passed on as they are.

/// <summary>An organisation from the SIS: the district, its schools, departments (<c>orgs</c>).</summary>
public sealed class Org : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string? Identifier { get; set; }
    public Guid? ParentId { get; set; }
    public string Status { get; set; } = "active";
}

/// <summary>A school year, term, semester or grading period (<c>academic_sessions</c>).</summary>
public sealed class AcademicSession : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string Type { get; set; } = "";
    public DateOnly StartDate { get; set; }
    public DateOnly EndDate { get; set; }
    public Guid? ParentId { get; set; }
    public int SchoolYear { get; set; }
    public string Status { get; set; } = "active";
}

/// <summary>A course of the SIS catalogue (<c>courses</c>); named apart from the LMS's own course shells.</summary>
public sealed class RosterCourse : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string? CourseCode { get; set; }
    public string[]? Grades { get; set; }
    public Guid OrgId { get; set; }
    public Guid? SchoolYearId { get; set; }
    public string[]? Subjects { get; set; }
    public string Status { get; set; } = "active";
}

/// <summary>A class (section) of a course at a school in one or more terms (<c>classes</c>).</summary>
public sealed class RosterClass : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string? ClassCode { get; set; }
    public string ClassType { get; set; } = "";
    public string? Location { get; set; }
    public Guid CourseId { get; set; }
    public Guid SchoolId { get; set; }
    public string[]? Grades { get; set; }
    public string[]? Subjects { get; set; }
    public string[]? Periods { get; set; }
    public Guid[] TermIds { get; set; } = [];
    public string Status { get; set; } = "active";
}

/// <summary>A person in a class with a OneRoster role: student, teacher, ... (<c>enrollments</c>).</summary>
public sealed class Enrollment : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public Guid ClassId { get; set; }
    public Guid UserId { get; set; }
    public Guid SchoolId { get; set; }
    public string Role { get; set; } = "";
    public bool IsPrimary { get; set; }
    public DateOnly? BeginDate { get; set; }
    public DateOnly? EndDate { get; set; }
    public string Status { get; set; } = "active";
}

public sealed class GuardianLink : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid StudentId { get; set; }
    public Guid GuardianId { get; set; }
}

/// <summary>Sensitive: birth date, sex, race/ethnicity flags of a student (<c>demographics</c>).</summary>
public sealed class Demographics : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public DateOnly? BirthDate { get; set; }
    public string? Sex { get; set; }
    public JsonElement Flags { get; set; }
    public string Status { get; set; } = "active";
}

/// <summary>One import of a package into a district (<c>import_runs</c>); the engine owns its lifecycle.</summary>
public sealed class ImportRun : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public string Trigger { get; set; } = "";
    public bool DryRun { get; set; }
    public string Status { get; set; } = "";
    public DateOnly? RunDate { get; set; }
    public string PackagePath { get; set; } = "";
    public string? PackageName { get; set; }
    public string PackageSha256 { get; set; } = "";
    public string? OneRosterVersion { get; set; }
    public string? SourceSystem { get; set; }
    public string? RequestedBy { get; set; }
    public string? ProgressPhase { get; set; }
    public int ProgressPercent { get; set; }
    public JsonElement Counts { get; set; }
    public int WarningCount { get; set; }
    public int ErrorCount { get; set; }
    /// <summary>Per file: findings stored and in all, and the count per code (migration 0009).</summary>
    public JsonElement Findings { get; set; }
    public string? FailureReason { get; set; }
    public JsonElement History { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public sealed class ImportRowError : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid RunId { get; set; }
    public int Seq { get; set; }
    public string Severity { get; set; } = "";
    public string File { get; set; } = "";
    public int? Line { get; set; }
    public string? ColumnName { get; set; }
    public string Code { get; set; } = "";
    public string Message { get; set; } = "";
}

public sealed class ImportChange : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid RunId { get; set; }
    public long Seq { get; set; }
    public string EntityType { get; set; } = "";
    public string ExternalId { get; set; } = "";
    public string Action { get; set; } = "";
    public JsonElement? OldValues { get; set; }
    public JsonElement? NewValues { get; set; }
}

/// <summary>A district's nightly import schedule (<c>sis_schedules</c>); no row means no nightly import.</summary>
public sealed class SisSchedule : ITenantOwned
{
    public const string DefaultCron = "0 0 2 * * ?"; // 02:00 every day, district time

    public Guid TenantId { get; set; }
    public bool Enabled { get; set; }
    public string CronExpression { get; set; } = DefaultCron;
    public DateTimeOffset UpdatedAt { get; set; }
}
