export const plot = () => "";
