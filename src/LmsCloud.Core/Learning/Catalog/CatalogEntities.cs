using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NpgsqlTypes;

namespace LmsCloud.Core.Learning.Catalog;

// The catalog schema (0031_catalog.sql) as EF Core reads it. Every write is SQL in CatalogService (counters by delta).

public static class CatalogAudience
{
    public const string Students = "students";
    public const string Staff = "staff";
    public const string Both = "both";
    public static readonly string[] All = [Students, Staff, Both];
}

public static class CatalogEnrollmentState
{
    public const string Enrolled = "enrolled";
    public const string Waitlisted = "waitlisted";
    public const string Withdrawn = "withdrawn";
}

/// <summary>A published shell offered in the district's catalog (<c>catalog_listings</c>), with its counters.</summary>
public sealed class CatalogListing : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ShellId { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Audience { get; set; } = CatalogAudience.Both;
    public string[] Tags { get; set; } = [];
    public int? SeatLimit { get; set; }
    public DateTimeOffset? OpensAt { get; set; }
    public DateTimeOffset? ClosesAt { get; set; }
    public Guid? PrerequisiteShellId { get; set; }
    public Guid? ListedBy { get; set; }
    public DateTimeOffset ListedAt { get; set; }
    public DateTimeOffset? UnlistedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int EnrollmentCount { get; set; }
    public int WaitlistNext { get; set; }
    public int ReviewCount { get; set; }
    public int RatingSum { get; set; }
    public int BookmarkCount { get; set; }
    public NpgsqlTsVector Tsv { get; set; } = null!;
}

/// <summary>A person's self-enrolment in a listed course (<c>catalog_enrollments</c>).</summary>
public sealed class CatalogEnrollment : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ShellId { get; set; }
    public Guid PersonId { get; set; }
    public string State { get; set; } = CatalogEnrollmentState.Enrolled;
    public int? WaitlistPosition { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? EnrolledAt { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
}

public sealed class CatalogReview : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid ShellId { get; set; }
    public Guid PersonId { get; set; }
    public short Rating { get; set; }
    public string Body { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class CatalogBookmark : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid PersonId { get; set; }
    public Guid ShellId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class CatalogReconcileRun : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public int ListingsChecked { get; set; }
    public int Drifted { get; set; }
    public string Drift { get; set; } = "[]";
}

sealed class CatalogListingConfiguration : IEntityTypeConfiguration<CatalogListing>
{
    public void Configure(EntityTypeBuilder<CatalogListing> e)
    {
        e.ToTable("catalog_listings").HasKey(x => new { x.TenantId, x.ShellId });
        e.Property(x => x.Tsv).HasColumnName("tsv").ValueGeneratedOnAddOrUpdate();
    }
}

sealed class CatalogEnrollmentConfiguration : IEntityTypeConfiguration<CatalogEnrollment>
{
    public void Configure(EntityTypeBuilder<CatalogEnrollment> e) => e.ToTable("catalog_enrollments").HasKey(x => new { x.TenantId, x.ShellId, x.PersonId });
}

sealed class CatalogReviewConfiguration : IEntityTypeConfiguration<CatalogReview>
{
    public void Configure(EntityTypeBuilder<CatalogReview> e) => e.ToTable("catalog_reviews").HasKey(x => new { x.TenantId, x.ShellId, x.PersonId });
}

sealed class CatalogBookmarkConfiguration : IEntityTypeConfiguration<CatalogBookmark>
{
    public void Configure(EntityTypeBuilder<CatalogBookmark> e) => e.ToTable("catalog_bookmarks").HasKey(x => new { x.TenantId, x.PersonId, x.ShellId });
}

sealed class CatalogReconcileRunConfiguration : IEntityTypeConfiguration<CatalogReconcileRun>
{
    public void Configure(EntityTypeBuilder<CatalogReconcileRun> e)
    {
        e.ToTable("catalog_reconcile_runs").HasKey(x => new { x.TenantId, x.Id });
        e.Property(x => x.Drift).HasColumnType("jsonb");
    }
}
