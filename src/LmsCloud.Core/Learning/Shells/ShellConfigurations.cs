using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Learning.Shells;

sealed class CourseShellConfiguration : IEntityTypeConfiguration<CourseShell>
{
    public void Configure(EntityTypeBuilder<CourseShell> e) => e.ToTable("course_shells").HasKey(x => new { x.TenantId, x.Id });
}

sealed class CourseShellClassConfiguration : IEntityTypeConfiguration<CourseShellClass>
{
    public void Configure(EntityTypeBuilder<CourseShellClass> e) =>
        e.ToTable("course_shell_classes").HasKey(x => new { x.TenantId, x.ShellId, x.ClassId });
}

sealed class ModuleConfiguration : IEntityTypeConfiguration<Module>
{
    public void Configure(EntityTypeBuilder<Module> e) => e.ToTable("modules").HasKey(x => new { x.TenantId, x.Id });
}

sealed class ModulePrerequisiteConfiguration : IEntityTypeConfiguration<ModulePrerequisite>
{
    public void Configure(EntityTypeBuilder<ModulePrerequisite> e) =>
        e.ToTable("module_prerequisites").HasKey(x => new { x.TenantId, x.ModuleId, x.PrereqModuleId });
}

sealed class ContentItemConfiguration : IEntityTypeConfiguration<ContentItem>
{
    public void Configure(EntityTypeBuilder<ContentItem> e) => e.ToTable("content_items").HasKey(x => new { x.TenantId, x.Id });
}

sealed class ContentVersionConfiguration : IEntityTypeConfiguration<ContentVersion>
{
    public void Configure(EntityTypeBuilder<ContentVersion> e)
    {
        e.ToTable("content_versions").HasKey(x => new { x.TenantId, x.ItemId, x.VersionNo });
        e.Property(x => x.Sha256).HasColumnName("sha256");
    }
}

sealed class ModuleItemConfiguration : IEntityTypeConfiguration<ModuleItem>
{
    public void Configure(EntityTypeBuilder<ModuleItem> e) => e.ToTable("module_items").HasKey(x => new { x.TenantId, x.Id });
}

sealed class UserOrgMembershipConfiguration : IEntityTypeConfiguration<UserOrgMembership>
{
    public void Configure(EntityTypeBuilder<UserOrgMembership> e) => e.ToTable("user_orgs").HasKey(x => new { x.TenantId, x.UserId, x.OrgId, x.Role });
}
