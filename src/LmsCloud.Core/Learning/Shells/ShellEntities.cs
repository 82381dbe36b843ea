using LmsCloud.Core.Database;

namespace LmsCloud.Core.Learning.Shells;

// The learning schema (0026_course_shells.sql) as EF Core reads it (mappings: ShellConfigurations.cs). Columns are
// snake_case by LmsDbContext's convention. Bulk writes (shells from an import, copying a shell) are SQL, not these classes.

public static class ShellStatus
{
    public const string Draft = "draft";
    public const string Published = "published";
    public const string Archived = "archived";
    public static readonly string[] All = [Draft, Published, Archived];
}

public static class ContentKind
{
    public const string Lesson = "lesson";
    public const string Link = "link";
    public const string File = "file";
    public const string Assignment = "assignment";
    public const string Quiz = "quiz";
    public static readonly string[] All = [Lesson, Link, File, Assignment, Quiz];
}

public static class CompletionRequirement
{
    public const string MustView = "must_view";
    public const string MarkDone = "mark_done";
    public const string MustSubmit = "must_submit";
    public const string MinScore = "min_score";
    public static readonly string[] All = [MustView, MarkDone, MustSubmit, MinScore];
}

/// <summary>A course space serving one or more roster classes (<c>course_shells</c>).</summary>
public sealed class CourseShell : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Status { get; set; } = ShellStatus.Draft;
    public bool SequentialDefault { get; set; }
    public Guid? SchoolId { get; set; }
    public Guid? CatalogCourseId { get; set; }
    public int ModuleCount { get; set; }
    public int ItemCount { get; set; }
    public int RequiredItemCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }
}

/// <summary>A roster class served by a shell (<c>course_shell_classes</c>); a class has one shell.</summary>
public sealed class CourseShellClass : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ShellId { get; set; }
    public Guid ClassId { get; set; }
    public DateTimeOffset LinkedAt { get; set; }
}

/// <summary>An ordered module of a shell (<c>modules</c>).</summary>
public sealed class Module : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public Guid ShellId { get; set; }
    public string Title { get; set; } = "";
    public int Position { get; set; }
    public DateTimeOffset? UnlockAt { get; set; }
    public bool Sequential { get; set; }
    public string Completion { get; set; } = "all";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An earlier module that must be completed before a module unlocks (<c>module_prerequisites</c>).</summary>
public sealed class ModulePrerequisite : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ShellId { get; set; }
    public Guid ModuleId { get; set; }
    public Guid PrereqModuleId { get; set; }
}

/// <summary>A lesson, link, file or assignment/quiz placeholder of a shell (<c>content_items</c>).</summary>
public sealed class ContentItem : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public Guid ShellId { get; set; }
    public string Kind { get; set; } = ContentKind.Lesson;
    public string Title { get; set; } = "";
    public string? Url { get; set; }
    public string? FileKey { get; set; }
    public string? FileName { get; set; }
    public string? FileContentType { get; set; }
    public long? FileSize { get; set; }
    public int CurrentVersionNo { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An immutable version of a content item's Markdown body (<c>content_versions</c>).</summary>
public sealed class ContentVersion : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ItemId { get; set; }
    public int VersionNo { get; set; }
    public Guid? AuthorId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string Body { get; set; } = "";
    public byte[] Sha256 { get; set; } = [];
}

/// <summary>A content item placed in a module, with its completion requirement and published version (<c>module_items</c>).</summary>
public sealed class ModuleItem : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public Guid ShellId { get; set; }
    public Guid ModuleId { get; set; }
    public Guid ContentItemId { get; set; }
    public int Position { get; set; }
    public string? Requirement { get; set; }
    public decimal? MinScore { get; set; }
    public bool Published { get; set; }
    public int? PublishedVersionNo { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A person's membership of a school (roster <c>user_orgs</c>), read here for school admins' reach.</summary>
public sealed class UserOrgMembership : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public Guid OrgId { get; set; }
    public string Role { get; set; } = "";
    public string RoleType { get; set; } = "primary";
    public DateOnly? BeginDate { get; set; }
    public DateOnly? EndDate { get; set; }
}
