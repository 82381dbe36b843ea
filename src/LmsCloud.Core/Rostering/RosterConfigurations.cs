using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Rostering;

sealed class OrgConfiguration : IEntityTypeConfiguration<Org>
{
    public void Configure(EntityTypeBuilder<Org> e) => e.ToTable("orgs").HasKey(x => new { x.TenantId, x.Id });
}

sealed class AcademicSessionConfiguration : IEntityTypeConfiguration<AcademicSession>
{
    public void Configure(EntityTypeBuilder<AcademicSession> e) => e.ToTable("academic_sessions").HasKey(x => new { x.TenantId, x.Id });
}

sealed class RosterCourseConfiguration : IEntityTypeConfiguration<RosterCourse>
{
    public void Configure(EntityTypeBuilder<RosterCourse> e) => e.ToTable("courses").HasKey(x => new { x.TenantId, x.Id });
}

sealed class RosterClassConfiguration : IEntityTypeConfiguration<RosterClass>
{
    public void Configure(EntityTypeBuilder<RosterClass> e) => e.ToTable("classes").HasKey(x => new { x.TenantId, x.Id });
}

sealed class EnrollmentConfiguration : IEntityTypeConfiguration<Enrollment>
{
    public void Configure(EntityTypeBuilder<Enrollment> e) => e.ToTable("enrollments").HasKey(x => new { x.TenantId, x.Id });
}

sealed class GuardianLinkConfiguration : IEntityTypeConfiguration<GuardianLink>
{
    public void Configure(EntityTypeBuilder<GuardianLink> e) =>
        e.ToTable("guardian_links").HasKey(x => new { x.TenantId, x.StudentId, x.GuardianId });
}

sealed class DemographicsConfiguration : IEntityTypeConfiguration<Demographics>
{
    public void Configure(EntityTypeBuilder<Demographics> e)
    {
        e.ToTable("demographics").HasKey(x => new { x.TenantId, x.UserId });
        e.Property(x => x.Flags).HasColumnType("jsonb");
    }
}

sealed class ImportRunConfiguration : IEntityTypeConfiguration<ImportRun>
{
    public void Configure(EntityTypeBuilder<ImportRun> e)
    {
        e.ToTable("import_runs").HasKey(x => new { x.TenantId, x.Id });
        e.Property(x => x.OneRosterVersion).HasColumnName("oneroster_version");
        e.Property(x => x.Counts).HasColumnType("jsonb");
        e.Property(x => x.Findings).HasColumnType("jsonb");
        e.Property(x => x.History).HasColumnType("jsonb");
    }
}

sealed class ImportRowErrorConfiguration : IEntityTypeConfiguration<ImportRowError>
{
    public void Configure(EntityTypeBuilder<ImportRowError> e) => e.ToTable("import_row_errors").HasKey(x => new { x.TenantId, x.RunId, x.Seq });
}

sealed class ImportChangeConfiguration : IEntityTypeConfiguration<ImportChange>
{
    public void Configure(EntityTypeBuilder<ImportChange> e)
    {
        e.ToTable("import_changes").HasKey(x => new { x.TenantId, x.RunId, x.Seq });
        e.Property(x => x.OldValues).HasColumnType("jsonb");
        e.Property(x => x.NewValues).HasColumnType("jsonb");
    }
}

sealed class SisScheduleConfiguration : IEntityTypeConfiguration<SisSchedule>
{
    public void Configure(EntityTypeBuilder<SisSchedule> e) => e.ToTable("sis_schedules").HasKey(x => x.TenantId);
}
